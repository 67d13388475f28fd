import ArgumentParser

/// The `ctscreen` command: one subcommand per role or task.
public struct CTScreen: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ctscreen",
        abstract: "Screens chest CT studies for COVID-19 (research software, not a medical device).",
        version: CTScreenVersion.string,
        subcommands: [
            Inspect.self,
            Analyze.self,
            Explain.self,
            BenchmarkEngine.self,
            SynthSeries.self,
            CutSeries.self,
            Train.self,
            TrainLungSegmentation.self,
            EvaluateLungSegmentation.self,
            Predict.self,
            ConvertWeights.self,
            AverageWeights.self,
            PhantomCommand.self,
            BenchmarkSegmentation.self,
            Evaluate.self,
            CoordinatorCommand.self,
            WorkerCommand.self,
            ReducerCommand.self,
            Submit.self,
            StatusCommand.self,
            ResultCommand.self,
            TimelineCommand.self,
            ClusterCommand.self,
            WorklistCommand.self,
            BenchLoad.self,
            DecodeSeries.self,
        ]
    )
    public init() {}
}

public enum CTScreenVersion {
    public static let string = "0.1.0"
}
