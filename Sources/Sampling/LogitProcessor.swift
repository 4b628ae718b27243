/// One stage of the sampling chain: rescales, biases or filters the candidate set in place.
///
/// The `Sampler` runs, in llama.cpp's order: logit bias, penalties, top-k, top-p, min-p, temperature,
/// then draws from the softmax of what is left (or takes the argmax at temperature 0).
public protocol LogitProcessor {
    /// - Parameters:
    ///   - candidates: the working set; processors keep at least one candidate.
    ///   - history: the tokens so far (prompt and generated), oldest first.
    func process(_ candidates: TokenCandidates, history: ArraySlice<Int32>)
}
