/// Sandbox bounds for rendering templates from strangers.
public struct TemplateLimits: Sendable, Equatable {
    /// Work steps for the whole render: one per loop iteration, per element a filter visits,
    /// and per 64 bytes of string built; a macro call costs 16.
    public var maxSteps: Int
    /// Nesting of macro calls (a macro calling itself counts each level).
    public var maxCallDepth: Int
    /// Bytes of rendered output, and of any one string built along the way.
    public var maxOutputBytes: Int
    /// Bytes of the calling thread's stack the interpreter may use (nested statements, expressions and
    /// macro calls); keep it well under the stack of the rendering thread (512 KiB for Linux worker threads).
    public var maxStackBytes: Int

    public init(maxSteps: Int = 1_000_000, maxCallDepth: Int = 64, maxOutputBytes: Int = 4 << 20,
                maxStackBytes: Int = 256 << 10) {
        self.maxSteps = maxSteps
        self.maxCallDepth = maxCallDepth
        self.maxOutputBytes = maxOutputBytes
        self.maxStackBytes = maxStackBytes
    }
}
