/// An invalid sampler setting. The text names the setting, its valid range and the value given.
public enum SamplingError: Error, CustomStringConvertible, Equatable {
    case invalid(setting: String, requirement: String, got: String)

    public var description: String {
        switch self {
        case .invalid(let setting, let requirement, let got):
            return "\(setting) must be \(requirement), got \(got)"
        }
    }
}
