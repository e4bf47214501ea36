import Common

/// VDN (Sunehag et al. 2018): Q_tot = Σ_i Q_i(τⁱ, aⁱ), no state input; otherwise QMIX's
/// update (docs/learners.md §2).
public enum VDN {
    public static let name = "vdn"
    public static let summary = "VDN: additive value decomposition of recurrent agent Q-values"

    public static let settings: [SettingSpec] = FactorizedQLearning.settings

    public static func make(layout: EpisodeLayout, settings: Settings, seed: UInt64) -> FactorizedQLearning {
        FactorizedQLearning(layout: layout, settings: settings, seed: seed) { _, _ in .sum }
    }
}
