extension HandlerError {
    /// What a role's error means for the item in hand, decided in one place for every role:
    /// a `HandlerError` as thrown; a stop → hand back; an undecodable payload → permanent; any
    /// other cluster error (Redis away, full, refusing) → thrown as is for the serve loop (retry,
    /// back-pressure, or stop); the role's own errors → permanent when `isPermanent` says the
    /// same input would fail the same way, else retried.
    static func settling(_ error: Error, permanent isPermanent: (Error) -> Bool) -> Error {
        switch error {
        case let e as HandlerError: return e
        case let e as ClusterError:
            switch e.code {
            case .stopped: return HandlerError.handBack
            case .badPayload: return HandlerError.permanent("\(e)")
            default: return e
            }
        default:
            return isPermanent(error) ? HandlerError.permanent("\(error)") : error
        }
    }
}
