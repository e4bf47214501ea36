import Common

/// Whether agents share networks: each its own (`none`), or one per group of agents with equal
/// observation sizes and action spaces (`groups`; a homogeneous team is one group).
public enum ParameterSharing: Sendable {
    case none
    case groups

    /// The `share_parameters` setting: every learner takes `auto`, `group` and `none`.
    public static func spec(auto: String) -> SettingSpec {
        SettingSpec("share_parameters", .text("auto"),
                    "auto (\(auto)), group (one network per group of agents with equal observation size and action space) or none (one network per agent)",
                    choices: ["auto", "group", "none"])
    }

    /// The sharing the settings name, `automatic` standing for `auto`.
    public static func from(_ settings: Settings, automatic: ParameterSharing) -> ParameterSharing {
        switch settings.string("share_parameters") {
        case "group": return .groups
        case "none": return .none
        default: return automatic
        }
    }
}
