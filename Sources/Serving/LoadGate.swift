import Checkpoint
import Governance
import Server
import Store

/// The store's integrity check and the license policy gate, run before a model's weights load in the
/// server; refusals become 403s that name the rule and the term.
struct LoadGate: Sendable {
    let store: ModelStore
    let recorder: (any DecisionRecorder)?

    func clear(_ model: ResolvedModel) throws {
        do {
            _ = try store.clearForLoading(model, command: "serve", recorder: recorder)
        } catch let e as GovernanceError {
            throw BackendError.refused("\(e)")
        } catch let e as StoreError {
            throw BackendError.refused("\(e)")
        }
    }
}
