/// Model publishers' own licenses. Each entry summarizes the published terms; `url` is where the text is.
extension LicenseCatalog {
    static let llamaAUP = "Uses that Meta's Acceptable Use Policy forbids: illegal or harmful use, weapons, attacks on critical infrastructure, disinformation or impersonation, and hiding from users that they are dealing with an AI where disclosure is required."
    static let llamaThreshold = "A separate license from Meta is needed if your products had more than 700 million monthly active users on the model's release date."

    static func llama3Family(_ id: String, _ name: String, version: String, url: String, policy: String, extra: [String] = [], aliases: [String]) -> LicenseTerms {
        LicenseTerms(
            id: id, name: name, kind: .model, spdx: false,
            commercialUse: .conditional, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give a copy of the license agreement with every copy of the model or a derivative you distribute.",
                "Display \"Built with Llama\" prominently on a related website, user interface, blog post, about page or product documentation.",
                "If you use the model or its outputs to create, train or fine-tune a model you distribute, its name must begin with \"Llama\".",
                "Keep the attribution notice \"Llama \(version) is licensed under the Llama \(version) Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.\" in a NOTICE file.",
            ],
            restrictions: [llamaAUP, llamaThreshold] + extra,
            userThreshold: 700_000_000, url: url, usePolicyURL: policy, aliases: aliases)
    }

    static let modelLicenses: [LicenseTerms] = [
        LicenseTerms(
            id: "llama2", name: "Llama 2 Community License Agreement", kind: .model, spdx: false,
            commercialUse: .conditional, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give a copy of the license agreement with every copy you distribute.",
                "Keep the notice \"Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. All Rights Reserved.\" in a NOTICE file.",
            ],
            restrictions: [
                llamaAUP, llamaThreshold,
                "Do not use the model or its outputs to improve any other large language model (except Llama 2 and its derivatives).",
            ],
            userThreshold: 700_000_000, url: "https://ai.meta.com/llama/license/",
            usePolicyURL: "https://ai.meta.com/llama/use-policy/", aliases: ["llama-2", "llama 2 community license"]),
        LicenseTerms(
            id: "llama3", name: "Meta Llama 3 Community License Agreement", kind: .model, spdx: false,
            commercialUse: .conditional, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give a copy of the license agreement with every copy of the model or a derivative you distribute.",
                "Display \"Built with Meta Llama 3\" prominently on a related website, user interface, blog post, about page or product documentation.",
                "A model you create or fine-tune from it and distribute must have a name that begins with \"Llama 3\".",
                "Keep the notice \"Meta Llama 3 is licensed under the Meta Llama 3 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.\" in a NOTICE file.",
            ],
            restrictions: [
                llamaAUP, llamaThreshold,
                "Do not use the model or its outputs to improve any other large language model (except Llama 3 and its derivatives).",
            ],
            userThreshold: 700_000_000, url: "https://llama.meta.com/llama3/license/",
            usePolicyURL: "https://llama.meta.com/llama3/use-policy/", aliases: ["llama-3", "llama 3 community license"]),
        llama3Family("llama3.1", "Llama 3.1 Community License Agreement", version: "3.1",
                     url: "https://www.llama.com/llama3_1/license/", policy: "https://www.llama.com/llama3_1/use-policy/",
                     aliases: ["llama-3.1", "llama 3.1 community license"]),
        llama3Family("llama3.2", "Llama 3.2 Community License Agreement", version: "3.2",
                     url: "https://www.llama.com/llama3_2/license/", policy: "https://www.llama.com/llama3_2/use-policy/",
                     extra: ["The rights to the Llama 3.2 multimodal (vision) models are not granted to individuals domiciled in, or companies with a principal place of business in, the European Union (end users of products that include them are not affected)."],
                     aliases: ["llama-3.2", "llama 3.2 community license"]),
        llama3Family("llama3.3", "Llama 3.3 Community License Agreement", version: "3.3",
                     url: "https://www.llama.com/llama3_3/license/", policy: "https://www.llama.com/llama3_3/use-policy/",
                     aliases: ["llama-3.3", "llama 3.3 community license"]),
        LicenseTerms(
            id: "gemma", name: "Gemma Terms of Use", kind: .model, spdx: false,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give recipients a copy of the Gemma Terms of Use.",
                "Include the use restrictions of the Gemma Prohibited Use Policy as an enforceable provision in any agreement under which you distribute or provide the model or a derivative.",
                "Mark modified files with a prominent notice that you changed them.",
                "Ship a NOTICE text file with: \"Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms\".",
            ],
            restrictions: [
                "Uses that the Gemma Prohibited Use Policy forbids: illegal or dangerous activities, harm to children, harassment or hate, disinformation or impersonation, generating sexually explicit content, circumventing safety filters, and automated decisions affecting individual rights without human review.",
                "Use Google reasonably believes violates the terms: Google may restrict it, remotely or otherwise.",
                "Sharing a derivative (including a model distilled from Gemma's outputs) on other terms: the Gemma terms apply to derivatives too.",
            ],
            url: "https://ai.google.dev/gemma/terms", usePolicyURL: "https://ai.google.dev/gemma/prohibited_use_policy",
            aliases: ["gemma terms of use", "gemma-terms", "gemma-license"]),
        LicenseTerms(
            id: "qwen", name: "Qwen License Agreement", kind: .model, spdx: false,
            commercialUse: .conditional, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give a copy of the license agreement with every copy you distribute, and keep the notice \"Qwen is licensed under the Qwen LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. All Rights Reserved.\"",
                "If you use the model or its outputs to build, train or improve a model you distribute, display \"Built with Qwen\" or \"Improved using Qwen\" in its documentation.",
            ],
            restrictions: [
                "A separate license from Alibaba Cloud is needed if your product or service has more than 100 million monthly active users.",
                "Comply with applicable laws and export controls.",
            ],
            userThreshold: 100_000_000, url: nil, aliases: ["qwen license", "tongyi-qianwen", "tongyi qianwen license agreement"]),
        LicenseTerms(
            id: "qwen-research", name: "Qwen Research License Agreement", kind: .nonCommercial, spdx: false,
            commercialUse: .forbidden, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give a copy of the license agreement with every copy you distribute.",
                "If you use the model or its outputs to build, train or improve a model you distribute, display \"Built with Qwen\" or \"Improved using Qwen\" in its documentation.",
            ],
            restrictions: ["Research and non-commercial use only; commercial use needs a separate license from Alibaba Cloud."],
            url: nil, aliases: ["qwen research license", "qwen-research-license"]),
        LicenseTerms(
            id: "mrl", name: "Mistral AI Research License (MRL-0.1)", kind: .nonCommercial, spdx: false,
            commercialUse: .forbidden, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Distribute the model and derivatives only under this license, with a copy of it and the attribution notice.",
                "Mark derivatives as modified.",
            ],
            restrictions: ["Research and personal, non-commercial use only; any commercial use, including internal business use, needs a commercial license from Mistral AI."],
            url: "https://mistral.ai/licenses/MRL-0.1.md", aliases: ["mrl-0.1", "mistral-research", "mistral research license", "mistral-research-license"]),
        LicenseTerms(
            id: "mnpl", name: "Mistral AI Non-Production License (MNPL-0.1)", kind: .nonCommercial, spdx: false,
            commercialUse: .forbidden, redistribution: .conditional, derivatives: .conditional,
            obligations: ["Distribute the model and derivatives only under this license, with a copy of it."],
            restrictions: ["Testing, research and evaluation only: no production or commercial use without a license from Mistral AI."],
            url: "https://mistral.ai/licenses/MNPL-0.1.md", aliases: ["mnpl-0.1", "mistral non-production license"]),
        LicenseTerms(
            id: "deepseek", name: "DeepSeek License Agreement", kind: .responsibleAI, spdx: false,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Give recipients a copy of the license and keep its notices; mark modified files.",
                "Include the use restrictions (Attachment A) as enforceable terms in any agreement under which you distribute the model or a derivative.",
            ],
            restrictions: [
                "Use restrictions (Attachment A): no military use, no use that breaks the law, harms minors, generates false information to harm others, discriminates, or makes fully automated decisions that adversely affect people's legal rights.",
            ],
            url: nil, aliases: ["deepseek-license", "deepseek license agreement"]),
        LicenseTerms(
            id: "falcon-llm-license", name: "TII Falcon License 2.0", kind: .model, spdx: false,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: ["Give recipients a copy of the license and keep its notices; mark modified files (Apache-2.0-style conditions)."],
            restrictions: ["Uses that TII's Acceptable Use Policy forbids (TII may update it; breaking it ends the license)."],
            url: "https://falconllm.tii.ae/falcon-terms-and-conditions.html",
            usePolicyURL: "https://falconllm.tii.ae/falcon-llm-acceptable-use-policy.html",
            aliases: ["tii-falcon-license-2.0", "falcon-license"]),
        LicenseTerms(
            id: "falcon-180b-license", name: "Falcon 180B TII License 1.0", kind: .model, spdx: false,
            commercialUse: .conditional, redistribution: .conditional, derivatives: .conditional,
            obligations: ["Give recipients a copy of the license and the Acceptable Use Policy; keep attribution notices."],
            restrictions: [
                "Uses that TII's Acceptable Use Policy forbids.",
                "\"Hosting use\" (offering the model or a derivative as a shared instance or managed service, such as an API) needs a separate license from TII.",
            ],
            url: "https://falconllm.tii.ae/falcon-180b-license.html",
            usePolicyURL: "https://falconllm.tii.ae/acceptable-use-policy.html", aliases: ["falcon-180b"]),
    ]
}
