/// Why a cluster command failed.
enum ClusterError: Error, CustomStringConvertible {
    /// The arguments are wrong.
    case invalid(String)
    /// What etcd holds does not allow it (a cluster that exists, or none).
    case refused(String)

    var description: String {
        switch self {
        case .invalid(let reason), .refused(let reason): reason
        }
    }
}
