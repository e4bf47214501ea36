import Common
import Tensors

/// QMIX (Rashid et al. 2018): recurrent agent utilities mixed into Q_tot by a monotonic
/// hypernetwork mixer conditioned on the state, so per-agent greedy actions are jointly greedy
/// (IGM). Double Q-learning with TD(λ) targets, PyMARL2's settings (docs/learners.md §1).
public enum QMIX {
    public static let name = "qmix"
    public static let summary = "QMIX: monotonic hypernetwork mixing of recurrent agent Q-values (PyMARL2 settings)"

    public static let settings: [SettingSpec] = FactorizedQLearning.settings + [
        SettingSpec("mixing_embed", .integer(32), "mixer embedding size E", range: .count),
        SettingSpec("hypernet_hidden", .integer(64), "hypernetwork hidden units", range: .count),
    ]

    public static func make(layout: EpisodeLayout, settings: Settings, seed: UInt64) -> FactorizedQLearning {
        FactorizedQLearning(layout: layout, settings: settings, seed: seed) { name, rng in
            .qmix(QMixer(name, agents: layout.agents, stateSize: layout.stateSize, embed: settings.int("mixing_embed"),
                         hypernetHidden: settings.int("hypernet_hidden"), rng: &rng))
        }
    }
}
