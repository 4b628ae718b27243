/// Family templates for models that ship none; used only when the user asks for one by name.
/// They render text turns only (no tool schemas); `scripts/gen_chat_template_fixtures.py` checks them
/// against jinja2 like the real templates.
extension ChatTemplate {
    /// Names accepted by `ChatTemplate(named:)`, sorted.
    public static let builtinNames: [String] = BuiltinTemplates.sources.keys.sorted()

    /// A built-in family template.
    /// - Parameter name: one of `builtinNames` (`chatml`, `gemma`, `llama3`, `mistral`, `phi3`).
    /// - Throws: `TemplateError` (kind `.unknownTemplate`) listing the known names.
    public init(named name: String, limits: TemplateLimits = TemplateLimits()) throws {
        guard let src = BuiltinTemplates.sources[name] else {
            throw TemplateError(kind: .unknownTemplate,
                                message: "unknown chat template '\(name)'; built-in templates: \(ChatTemplate.builtinNames.joined(separator: ", "))")
        }
        try self.init(source: src, limits: limits)
    }
}

enum BuiltinTemplates {
    static let sources: [String: String] = [
        "chatml": """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}
            """,
        "llama3": """
            {{- bos_token -}}
            {%- for message in messages -%}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] or '') | trim + '<|eot_id|>' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}
            """,
        "gemma": """
            {{- bos_token -}}
            {%- if messages and messages[0]['role'] == 'system' -%}
            {%- set first_user_prefix = (messages[0]['content'] or '') + '\\n\\n' -%}{%- set loop_messages = messages[1:] -%}
            {%- else -%}{%- set first_user_prefix = '' -%}{%- set loop_messages = messages -%}{%- endif -%}
            {%- for message in loop_messages -%}
            {%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}
            {{- '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') + (message['content'] or '') | trim + '<end_of_turn>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}
            """,
        "mistral": """
            {{- bos_token -}}
            {%- if messages and messages[0]['role'] == 'system' -%}
            {%- set system = (messages[0]['content'] or '') + '\\n\\n' -%}{%- set loop_messages = messages[1:] -%}
            {%- else -%}{%- set system = '' -%}{%- set loop_messages = messages -%}{%- endif -%}
            {%- for message in loop_messages -%}
            {%- if message['role'] == 'user' -%}
            {{- '[INST] ' + (system if loop.first else '') + (message['content'] or '') + ' [/INST]' -}}
            {%- elif message['role'] == 'assistant' -%}
            {{- (message['content'] or '') + eos_token -}}
            {%- else -%}{{- raise_exception('mistral template: only system, user and assistant roles are supported') -}}
            {%- endif -%}
            {%- endfor -%}
            """,
        "phi3": """
            {%- for message in messages -%}
            {{- '<|' + message['role'] + '|>\\n' + (message['content'] or '') + '<|end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- else -%}{{- eos_token -}}{%- endif -%}
            """,
    ]
}
