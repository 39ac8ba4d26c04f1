import AzureIoT
import HTTP1
import HTTPSClient

/// Deadlines short enough that a test waiting for one stays quick.
let shortTimeouts = HTTPSConnection.Timeouts(connectMilliseconds: 1_000, ioMilliseconds: 1_000)

extension HTTPSConnection {
    /// Sends `request` (its endpoint is this connection's) and returns the response or the error.
    func exchange(_ request: ServiceRequest) -> Result<HTTPResponse, HTTPSError> {
        do {
            return .success(try send(request.request))
        } catch {
            return .failure(error)
        }
    }

    /// The error of a `GET /`, or nil when any response came back.
    func failureOfGET() -> HTTPSError? {
        do {
            _ = try send(HTTPRequest(method: .get, target: "/"))
            return nil
        } catch {
            return error
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
