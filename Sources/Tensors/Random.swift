import Common

/// The engine's random numbers: Common's seeded xoshiro256** generator, so worlds, policies and
/// networks share one deterministic source of randomness.
public typealias RandomSource = SeededGenerator
