import Foundation

/// Values appended on one thread (an event loop, a server's thread) and read on the test's.
final class LockedList<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var elements: [Element] = []

    func append(_ element: Element) {
        lock.withLock { elements.append(element) }
    }

    var snapshot: [Element] {
        lock.withLock { elements }
    }
}
