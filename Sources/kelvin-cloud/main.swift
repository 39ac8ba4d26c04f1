import Foundation

// The whole program lives in KelvinCloudCommand so that nothing runs as top-level code, whose
// globals Swift 6 isolates to the main actor.
exit(KelvinCloudCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
