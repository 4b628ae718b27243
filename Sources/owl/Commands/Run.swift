import ChatTemplate
import Checkpoint
import Engine
import Foundation
import Sampling
import Support

/// `owl run MODEL PROMPT`: one reply, streamed to stdout.
enum RunCommand: Command {
    static let name = "run"
    static let summary = "Generate a reply to one prompt, streamed to stdout"
    static let help = """
    Usage: owl run MODEL [PROMPT | -f FILE | -] [options]

    Wraps PROMPT in the model's chat template (with --system, if given), streams the reply to stdout,
    then prints prompt and generation speed to stderr. With --raw the prompt is fed as is: special tokens
    written in it (like <|im_start|>) are parsed as special, and BOS is added only if the model asks for it.

    Prompt:
      PROMPT                 the prompt text
      -f FILE                read the prompt from FILE
      -                      read the prompt from standard input
      --system TEXT          a system message before the prompt
      --raw                  no chat template
      --template NAME        use a built-in template (chatml, llama3, gemma, mistral, phi3) when the model has none

    Generation:
    \(GenerationFlags.help)

    Output:
      --json                 print one JSON object: text, tokens, prompt_tokens, finish_reason, timings
      --logprobs K           with --json: the top-K {id, logprob} at each generated position

    Examples:
      owl run smollm2-135m-instruct "Write a haiku about owls" --temp 0
      echo "The capital of France is" | owl run gemma3-270m - --raw -n 16 --json
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let raw = args.flag("--raw")
        let system = try args.option("--system")
        let templateName = try args.option("--template")
        let file = try args.option("-f", "--file")
        let logprobs = try args.int("--logprobs", in: 0...20) ?? 0
        var flags = try GenerationFlags.parse(&args, cores: ProcessInfo.processInfo.activeProcessorCount)
        flags.options.logprobs = logprobs
        let positionals = try args.positionals()
        guard let modelName = positionals.first else { throw CLIError.usage(name, "expected a MODEL") }
        let promptText = try PromptInput.read(positionals: Array(positionals.dropFirst()), file: file, command: name)

        let loaded = try ModelOpener.open(modelName, flags: flags, context: context, command: name)
        let prompt: [Int32]
        if raw {
            prompt = loaded.rawPrompt(promptText)
        } else {
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: promptText))
            prompt = try loaded.chatPrompt(messages, templateName: templateName)
        }
        let session = loaded.makeSession(contextLength: flags.contextLength)
        let sampler = try loaded.makeSampler(flags.sampler)
        let interrupt = InterruptFlag.install()
        let result = try session.generate(prompt: prompt, options: flags.options, sampler: sampler, stop: flags.stops,
                                          isCancelled: { interrupt.isSet }) { token in
            if !json, !token.text.isEmpty { context.write(token.text) }
        }
        var timings = result.timings
        timings.loadMilliseconds = loaded.loadMilliseconds
        if json {
            context.out(RunOutput.json(result, timings: timings, logprobs: logprobs > 0).serialized())
        } else {
            context.out("")
            context.err(RunOutput.speedLine(timings))
        }
        if let p = flags.profiler { context.err(p.table(title: "profile (OWL_PROFILE=1), prefill and generation")) }
        return result.finishReason == .cancelled ? 130 : 0
    }
}
