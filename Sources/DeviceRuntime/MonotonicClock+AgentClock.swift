import Agent
import Platform

/// The sensors' settling waits and the one-shot commands' retries sleep on the monotonic clock.
extension MonotonicClock: AgentClock {}
