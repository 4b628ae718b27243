import ChatTemplate
import Engine
import Foundation

/// `owl chat MODEL`: an interactive multi-turn chat on a terminal.
enum ChatCommand: Command {
    static let name = "chat"
    static let summary = "Chat with a model interactively (history kept, /reset, /system, /bye)"
    static let help = """
    Usage: owl chat MODEL [options]

    Starts an interactive chat. Each turn is rendered with the model's chat template over the whole
    conversation; the KV cache keeps the conversation so far, so only the new turn is computed.

    In the chat:
      /reset           forget the conversation
      /system TEXT     set the system message (and reset)
      /bye             quit (also Ctrl-D)
      Ctrl-C           stop the reply being written, without quitting

    Options:
      --system TEXT          a system message to start with
      --template NAME        a built-in template when the model has none (chatml, llama3, gemma, mistral, phi3)
    \(GenerationFlags.help)

    Example:
      owl chat smollm2-135m-instruct --temp 0.7
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        var system = try args.option("--system")
        let templateName = try args.option("--template")
        let flags = try GenerationFlags.parse(&args, cores: ProcessInfo.processInfo.activeProcessorCount)
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(name, "expected one MODEL") }
        let loaded = try ModelOpener.open(positionals[0], flags: flags, context: context, command: name)
        // Fail early, before the first prompt, when the model cannot chat.
        _ = try loaded.renderChat([ChatMessage(role: "user", content: "hi")], templateName: templateName)
        let session = loaded.makeSession(contextLength: flags.contextLength)
        let sampler = try loaded.makeSampler(flags.sampler)
        let interrupt = InterruptFlag.install()
        var history: [ChatMessage] = []
        context.err("Chatting with \(loaded.resolved.name). /bye quits, /reset forgets, Ctrl-C stops a reply.")
        while true {
            context.write(context.stdinIsTerminal ? ">>> " : "")
            guard let line = readLine(strippingNewline: true) else { context.out(""); break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            if input == "/bye" || input == "/exit" || input == "/quit" { break }
            if input == "/reset" { history = []; session.reset(); context.err("(conversation cleared)"); continue }
            if input.hasPrefix("/system") {
                let text = String(input.dropFirst("/system".count)).trimmingCharacters(in: .whitespaces)
                system = text.isEmpty ? nil : text
                history = []; session.reset()
                context.err(system == nil ? "(system message removed)" : "(system message set; conversation cleared)")
                continue
            }
            if input.hasPrefix("/") { context.err("unknown command \(input); use /reset, /system TEXT or /bye"); continue }
            history.append(ChatMessage(role: "user", content: line))
            var messages = history
            if let system { messages.insert(ChatMessage(role: "system", content: system), at: 0) }
            let prompt: [Int32]
            do { prompt = try loaded.chatPrompt(messages, templateName: templateName) } catch {
                context.err("error: \(error)"); history.removeLast(); continue
            }
            interrupt.clear()
            do {
                let result = try session.generate(prompt: prompt, options: flags.options, sampler: sampler, stop: flags.stops,
                                                  isCancelled: { interrupt.isSet }) { context.write($0.text) }
                context.out("")
                if result.finishReason == .cancelled { context.err("(stopped)") }
                history.append(ChatMessage(role: "assistant", content: result.text))
            } catch let e as EngineError {
                context.err("error: \(e)")
                history.removeLast()
            }
        }
        return 0
    }
}
