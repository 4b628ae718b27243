import Support

extension BOM {
    /// An SPDX 3.0.1 document (JSON-LD) with the model as an `ai_AIPackage`, its files as `software_File`s,
    /// its license as a `simplelicensing_LicenseExpression`, and base models as ancestors.
    public static func spdx(_ s: BOMSubject, now: String, toolVersion: String) -> JSONValue {
        let base = "urn:owl:bom:\(uuid(fromHex: s.sha256))"
        let ci = JSONValue.string("_:creationinfo")
        let pkg = "\(base)#model"
        let agent = "\(base)#owl"
        var graph: [JSONValue] = []
        var elements: [String] = [agent, pkg]
        graph.append(.object([("type", .string("CreationInfo")), ("@id", ci), ("specVersion", .string("3.0.1")),
                              ("created", .string(now)), ("createdBy", .array([.string(agent)]))]))
        graph.append(.object([("type", .string("SoftwareAgent")), ("spdxId", .string(agent)), ("creationInfo", ci),
                              ("name", .string("owl \(toolVersion)"))]))
        var hyper: [JSONValue] = []
        for (k, v) in properties(s) { hyper.append(.object([("type", .string("DictionaryEntry")), ("key", .string(k)), ("value", .string(v))])) }
        var p: [(String, JSONValue)] = [
            ("type", .string("ai_AIPackage")), ("spdxId", .string(pkg)), ("creationInfo", ci), ("name", .string(s.name)),
            ("software_downloadLocation", .string(s.source ?? "NOASSERTION")),
            ("software_primaryPurpose", .string("model")),
            ("verifiedUsing", .array([spdxHash(s.sha256)])),
            ("ai_hyperparameter", .array(hyper)),
        ]
        if let d = s.displayName { p.append(("summary", .string(d))) }
        if let a = s.architecture { p.append(("ai_typeOfModel", .array([.string(a)]))) }
        if let t = s.task { p.append(("ai_domain", .array([.string(t)]))) }
        if let t = s.license.terms, !t.restrictions.isEmpty { p.append(("ai_limitation", .string(t.restrictions.joined(separator: " ")))) }
        graph.append(.object(p))
        var relIndex = 0
        func relationship(_ from: String, _ type: String, _ to: [String]) {
            relIndex += 1
            let id = "\(base)#rel-\(relIndex)"
            elements.append(id)
            graph.append(.object([("type", .string("Relationship")), ("spdxId", .string(id)), ("creationInfo", ci),
                                  ("from", .string(from)), ("relationshipType", .string(type)), ("to", .array(to.map(JSONValue.string)))]))
        }
        var fileIds: [String] = []
        for (i, f) in s.files.enumerated() {
            let id = "\(base)#file-\(i)"
            fileIds.append(id); elements.append(id)
            graph.append(.object([("type", .string("software_File")), ("spdxId", .string(id)), ("creationInfo", ci),
                                  ("name", .string(f.path)), ("verifiedUsing", .array([spdxHash(f.sha256)]))]))
        }
        if !fileIds.isEmpty { relationship(pkg, "contains", fileIds) }
        if let expr = spdxLicenseExpression(s.license) {
            let id = "\(base)#license"
            elements.append(id)
            var l: [(String, JSONValue)] = [("type", .string("simplelicensing_LicenseExpression")), ("spdxId", .string(id)),
                                            ("creationInfo", ci), ("simplelicensing_licenseExpression", .string(expr.expression))]
            if let url = expr.url {
                l.append(("simplelicensing_customIdToUri", .array([.object([("type", .string("DictionaryEntry")),
                                                                            ("key", .string(expr.expression)), ("value", .string(url))])])))
            }
            graph.append(.object(l))
            relationship(pkg, s.license.source == .catalog ? "hasConcludedLicense" : "hasDeclaredLicense", [id])
        }
        for (i, b) in s.license.baseModels.enumerated() {
            let id = "\(base)#base-\(i)"
            elements.append(id)
            var e: [(String, JSONValue)] = [("type", .string("ai_AIPackage")), ("spdxId", .string(id)), ("creationInfo", ci),
                                            ("name", .string(b.name)), ("software_downloadLocation", .string(b.url ?? "NOASSERTION"))]
            if let v = b.version { e.append(("software_packageVersion", .string(v))) }
            graph.append(.object(e))
            relationship(id, "ancestorOf", [pkg])
        }
        let doc = "\(base)#document"
        graph.insert(.object([("type", .string("SpdxDocument")), ("spdxId", .string(doc)), ("creationInfo", ci),
                              ("name", .string("AI BOM for \(s.name)")),
                              ("profileConformance", .array(["core", "software", "ai", "simpleLicensing"].map(JSONValue.string))),
                              ("rootElement", .array([.string(pkg)])), ("element", .array(elements.map(JSONValue.string)))]), at: 2)
        return .object([("@context", .string("https://spdx.org/rdf/3.0.1/spdx-context.jsonld")), ("@graph", .array(graph))])
    }

    static func spdxHash(_ hex: String) -> JSONValue {
        .object([("type", .string("Hash")), ("algorithm", .string("sha256")), ("hashValue", .string(hex))])
    }

    /// An SPDX id for SPDX-listed licenses; `LicenseRef-<id>` with the text's URL otherwise.
    static func spdxLicenseExpression(_ r: LicenseRecord) -> (expression: String, url: String?)? {
        if let t = r.terms, t.spdx { return (t.id, nil) }
        let raw = r.terms?.id ?? r.stated
        guard let raw else { return nil }
        let idChars = raw.unicodeScalars.map { c -> Character in
            (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "." || c == "-" ? Character(c) : "-"
        }
        return ("LicenseRef-" + String(idChars), r.terms?.url)
    }
}
