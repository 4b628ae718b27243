import Checkpoint
import Foundation
import Support
import Tokenizer

/// `owl tokenize MODEL TEXT`: the model's token ids and pieces for a text.
enum TokenizeCommand: Command {
    static let name = "tokenize"
    static let summary = "Show the token ids and pieces a model's tokenizer makes of a text"
    static let help = """
    Usage: owl tokenize MODEL TEXT [--json] [--no-special] [--add-special] [--time]

    Runs the model's own tokenizer (byte-level BPE, SentencePiece BPE or WordPiece, read from the GGUF
    metadata or the Hugging Face folder's tokenizer.json) and prints one line per token: the id and the
    piece it stands for (quoted; bytes that are not complete UTF-8 are shown as \\xNN). Never truncates.

    MODEL is a catalog name (smollm2-135m-instruct, gemma3-270m, all-minilm-l6-v2), a .gguf file, or a
    Hugging Face folder. TEXT is the text itself, or - to read standard input byte for byte (a trailing
    newline is part of the text; invalid UTF-8 is replaced by U+FFFD).

    Options:
      --json          print {"ids": [...], "pieces": [...]} instead
      --no-special    tokenize special-token text such as <|im_start|> or [CLS] as plain text
                      (default: it becomes the special token)
      --add-special   add what the model asks for around the text: BOS/EOS per its metadata,
                      [CLS] and [SEP] for WordPiece (default: nothing added)
      --time          print the time tokenizing took to standard error

    Example:
      owl tokenize smollm2-135m-instruct "Hello world"
      printf '<|im_start|>user\\nHi<|im_end|>\\n' | owl tokenize smollm2-135m-instruct - --json
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let noSpecial = args.flag("--no-special")
        let addSpecial = args.flag("--add-special")
        let time = args.flag("--time")
        let positionals = try args.positionals()
        guard positionals.count == 2 else {
            throw CLIError.usage(name, "expected MODEL and TEXT (or - for standard input), got \(positionals.count) arguments")
        }
        let text: String
        if positionals[1] == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            text = positionals[1]
        }
        let tokenizer = try Tokenizer.load(context.locator.resolve(positionals[0]))
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: !noSpecial)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if time {
            context.err(String(format: "tokenized %d bytes into %d tokens in %.2f ms", text.utf8.count, ids.count, elapsed))
        }
        let pieces = ids.map { tokenizer.pieceBytes($0, renderSpecial: true) }
        if json {
            let obj = JSONValue.object([
                ("ids", .array(ids.map { .int($0) })),
                ("pieces", .array(pieces.map { .string(String(decoding: $0, as: UTF8.self)) })),
            ])
            context.out(obj.serialized())
        } else {
            for (id, p) in zip(ids, pieces) { context.out("\(id)\t\(display(p))") }
        }
        return 0
    }

    /// A piece quoted for the terminal: control characters escaped, incomplete UTF-8 as \xNN.
    static func display(_ bytes: [UInt8]) -> String {
        var s = "\""
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let n = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : lead >> 3 == 0x1E ? 4 : 0
            if n > 0, i + n <= bytes.count, let ch = String(validating: bytes[i..<i + n], as: UTF8.self) {
                switch ch {
                case "\n": s += "\\n"
                case "\r": s += "\\r"
                case "\t": s += "\\t"
                case "\"": s += "\\\""
                case "\\": s += "\\\\"
                default:
                    if n == 1 && (lead < 0x20 || lead == 0x7F) { s += String(format: "\\x%02x", lead) } else { s += ch }
                }
                i += n
            } else {
                s += String(format: "\\x%02x", lead)
                i += 1
            }
        }
        return s + "\""
    }
}
