import Support

extension BOM {
    /// A CycloneDX 1.6 BOM whose subject is a `machine-learning-model` component with hashes, licenses,
    /// a model card (architecture, parameters, quantization, context length, datasets), its files as
    /// nested components and its base models as pedigree ancestors.
    /// - Parameters:
    ///   - now: ISO 8601 timestamp for `metadata.timestamp`.
    ///   - toolVersion: the owl version writing the BOM.
    public static func cycloneDX(_ s: BOMSubject, now: String, toolVersion: String) -> JSONValue {
        let ref = "model:\(s.name)@sha256:\(s.sha256)"
        var component: [(String, JSONValue)] = [
            ("type", .string("machine-learning-model")),
            ("bom-ref", .string(ref)),
            ("name", .string(s.name)),
        ]
        if let o = s.organization { component.append(("supplier", .object([("name", .string(o))]))) }
        if let d = s.displayName { component.append(("description", .string(d))) }
        component.append(("hashes", .array([hash(s.sha256)])))
        if let lic = cdxLicense(s.license) { component.append(("licenses", .array([lic]))) }
        var refs: [JSONValue] = []
        if let src = s.source, src.hasPrefix("https://") || src.hasPrefix("http://") {
            refs.append(.object([("type", .string("distribution")), ("url", .string(src))]))
        }
        if let url = s.license.terms?.url { refs.append(.object([("type", .string("license")), ("url", .string(url))])) }
        if !refs.isEmpty { component.append(("externalReferences", .array(refs))) }
        if !s.license.baseModels.isEmpty {
            component.append(("pedigree", .object([("ancestors", .array(s.license.baseModels.enumerated().map { i, b in
                var a: [(String, JSONValue)] = [("type", .string("machine-learning-model")), ("bom-ref", .string("\(ref)#base-\(i)")), ("name", .string(b.name))]
                if let v = b.version { a.append(("version", .string(v))) }
                if let o = b.organization { a.append(("supplier", .object([("name", .string(o))]))) }
                if let u = b.url { a.append(("externalReferences", .array([.object([("type", .string("website")), ("url", .string(u))])]))) }
                return .object(a)
            }))])))
        }
        component.append(("modelCard", modelCard(s)))
        component.append(("properties", .array(properties(s).map { .object([("name", .string($0.0)), ("value", .string($0.1))]) })))
        component.append(("components", .array(s.files.enumerated().map { i, f in
            .object([("type", .string("file")), ("bom-ref", .string("\(ref)#file-\(i)")), ("name", .string(f.path)),
                     ("hashes", .array([hash(f.sha256)])),
                     ("properties", .array([.object([("name", .string("owl:size")), ("value", .string(String(f.size)))])]))])
        })))
        return .object([
            ("$schema", .string("http://cyclonedx.org/schema/bom-1.6.schema.json")),
            ("bomFormat", .string("CycloneDX")),
            ("specVersion", .string("1.6")),
            ("serialNumber", .string("urn:uuid:" + uuid(fromHex: s.sha256))),
            ("version", .int(1)),
            ("metadata", .object([
                ("timestamp", .string(now)),
                ("tools", .object([("components", .array([.object([
                    ("type", .string("application")), ("name", .string("owl")), ("version", .string(toolVersion)),
                ])]))])),
                ("component", .object(component)),
            ])),
        ])
    }

    static func hash(_ hex: String) -> JSONValue { .object([("alg", .string("SHA-256")), ("content", .string(hex))]) }

    /// An SPDX id for catalog licenses on the SPDX list, a named license otherwise; nil when none is stated.
    static func cdxLicense(_ r: LicenseRecord) -> JSONValue? {
        let ack = JSONValue.string(r.source == .catalog ? "concluded" : "declared")
        if let t = r.terms, t.spdx {
            return .object([("license", .object([("id", .string(t.id)), ("acknowledgement", ack)]))])
        }
        if let t = r.terms {
            var l: [(String, JSONValue)] = [("name", .string(t.name))]
            if let u = t.url { l.append(("url", .string(u))) }
            l.append(("acknowledgement", ack))
            return .object([("license", .object(l))])
        }
        guard let stated = r.stated else { return nil }
        return .object([("license", .object([("name", .string(stated)), ("acknowledgement", ack)]))])
    }

    static func modelCard(_ s: BOMSubject) -> JSONValue {
        var params: [(String, JSONValue)] = []
        if let t = s.task { params.append(("task", .string(t))) }
        if let a = s.architecture { params.append(("architectureFamily", .string(a))) }
        params.append(("modelArchitecture", .string(s.architecture.map { "\($0) (\(s.format))" } ?? s.format)))
        if !s.datasets.isEmpty {
            params.append(("datasets", .array(s.datasets.map { .object([("type", .string("dataset")), ("name", .string($0))]) })))
        }
        params.append(("inputs", .array([.object([("format", .string(s.task == "feature-extraction" ? "text" : "text"))])])))
        params.append(("outputs", .array([.object([("format", .string(s.task == "feature-extraction" ? "embedding vector" : "text"))])])))
        var card: [(String, JSONValue)] = [("modelParameters", .object(params))]
        if let t = s.license.terms, !t.restrictions.isEmpty {
            card.append(("considerations", .object([("useCases", .array([])),
                                                    ("technicalLimitations", .array(t.restrictions.map(JSONValue.string)))])))
        }
        var props: [JSONValue] = []
        if let n = s.parameterCount { props.append(.object([("name", .string("parameter_count")), ("value", .string(String(n)))])) }
        if let q = s.quantization { props.append(.object([("name", .string("quantization")), ("value", .string(q))])) }
        if let c = s.contextLength { props.append(.object([("name", .string("context_length")), ("value", .string(String(c)))])) }
        if !props.isEmpty { card.append(("properties", .array(props))) }
        return .object(card)
    }
}
