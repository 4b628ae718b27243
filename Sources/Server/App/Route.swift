import Foundation

/// The routes, matched on the path; each knows its methods, whether it needs an admin key, and whether
/// it speaks Ollama's error shape.
enum Route: Equatable {
    case root, health, metrics
    case models, model(String)
    case chatCompletions, completions, embeddings
    case ollamaChat, ollamaGenerate, ollamaEmbed, ollamaTags, ollamaShow, ollamaPS, ollamaVersion
    case keys, key(String)

    static func match(_ path: String) -> Route? {
        switch path {
        case "/": return .root
        case "/health": return .health
        case "/metrics": return .metrics
        case "/v1/models": return .models
        case "/v1/chat/completions": return .chatCompletions
        case "/v1/completions": return .completions
        case "/v1/embeddings": return .embeddings
        case "/api/chat": return .ollamaChat
        case "/api/generate": return .ollamaGenerate
        case "/api/embed": return .ollamaEmbed
        case "/api/tags": return .ollamaTags
        case "/api/show": return .ollamaShow
        case "/api/ps": return .ollamaPS
        case "/api/version": return .ollamaVersion
        case "/admin/keys": return .keys
        default:
            if path.hasPrefix("/v1/models/"), path.count > 11 { return .model(String(path.dropFirst(11))) }
            if path.hasPrefix("/admin/keys/"), path.count > 12 { return .key(String(path.dropFirst(12))) }
            return nil
        }
    }

    var methods: [String] {
        switch self {
        case .root, .health: return ["GET", "HEAD"]
        case .metrics, .models, .model, .ollamaTags, .ollamaPS, .ollamaVersion: return ["GET"]
        case .chatCompletions, .completions, .embeddings, .ollamaChat, .ollamaGenerate, .ollamaEmbed, .ollamaShow: return ["POST"]
        case .keys: return ["GET", "POST"]
        case .key: return ["DELETE"]
        }
    }

    /// A label with bounded cardinality for metrics.
    var label: String {
        switch self {
        case .root: return "/"
        case .health: return "/health"
        case .metrics: return "/metrics"
        case .models: return "/v1/models"
        case .model: return "/v1/models/{id}"
        case .chatCompletions: return "/v1/chat/completions"
        case .completions: return "/v1/completions"
        case .embeddings: return "/v1/embeddings"
        case .ollamaChat: return "/api/chat"
        case .ollamaGenerate: return "/api/generate"
        case .ollamaEmbed: return "/api/embed"
        case .ollamaTags: return "/api/tags"
        case .ollamaShow: return "/api/show"
        case .ollamaPS: return "/api/ps"
        case .ollamaVersion: return "/api/version"
        case .keys: return "/admin/keys"
        case .key: return "/admin/keys/{name}"
        }
    }

    var isOllama: Bool { label.hasPrefix("/api/") }
    var needsAdmin: Bool {
        switch self {
        case .metrics, .ollamaPS, .keys, .key: return true
        default: return false
        }
    }
    var isPublic: Bool { self == .health || self == .root }
}
