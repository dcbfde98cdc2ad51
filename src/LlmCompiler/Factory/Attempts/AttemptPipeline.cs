using LlmCompiler.Factory.Attempts.Stages;

namespace LlmCompiler.Factory.Attempts;

/// <summary>
/// The stages of an attempt, in order, built in code: adding a stage is a class and one line here (as Grpc.Tools
/// chains its named targets). The first failing stage ends the attempt; when every stage passes, the last one has
/// made the commit that the run then lands.
/// </summary>
internal sealed class AttemptPipeline
{
    private AttemptPipeline(IReadOnlyList<IAttemptStage> stages) => Stages = stages;

    public IReadOnlyList<IAttemptStage> Stages { get; }

    public static AttemptPipeline Default { get; } = new(
    [
        new PreconditionStage(),   // E204: a false precondition is a planner bug; no model call can fix it
        new ProposeStage(),        // prompt → model → answer (E3xx, E214)
        new WriteStage(),          // the write gate, then the gated bytes stored as blobs (E205–E208, E214)
        new VerifyStage(),         // the global verification (E209)
        new PostconditionStage(),  // file_exists postconditions (E210)
        new AcceptanceStage(),     // the work order's acceptance commands (E211)
        new Review.ReviewStage(),  // the cost-gated review, when triggered (E228 blocks, W226–W228)
        new CommitStage(),         // a commit of exactly the gated blobs (E219 if it is not)
    ]);

    /// <summary>
    /// The executor's stages for a work order with tests written first: after acceptance, the frozen tests must be
    /// unchanged and green by name, and stay green on re-runs.
    /// </summary>
    public AttemptPipeline WithFrozenTests() => InsertAfter("acceptance", new FrozenTestsStage()).InsertAfter("frozen_tests", new FlakeStage());

    /// <summary>The test author's stages: the preconditions at the baseline, the proposal of the tests, the write gate over them, the red run.</summary>
    public static AttemptPipeline TestAuthor { get; } = new([new PreconditionStage(), new ProposeStage(), new WriteStage(), new RedStage()]);

    /// <summary>This pipeline with <paramref name="stage"/> right after the stage named <paramref name="after"/>.</summary>
    public AttemptPipeline InsertAfter(string after, IAttemptStage stage)
    {
        var index = Stages.Select(s => s.Name).ToList().IndexOf(after);
        if (index < 0) throw new ArgumentException($"no stage named '{after}'", nameof(after));
        return new AttemptPipeline([.. Stages.Take(index + 1), stage, .. Stages.Skip(index + 1)]);
    }

    /// <summary>This pipeline with the stage named <paramref name="name"/> replaced by <paramref name="stage"/>.</summary>
    public AttemptPipeline Replace(string name, IAttemptStage stage)
    {
        var index = Stages.Select(s => s.Name).ToList().IndexOf(name);
        if (index < 0) throw new ArgumentException($"no stage named '{name}'", nameof(name));
        return new AttemptPipeline([.. Stages.Take(index), stage, .. Stages.Skip(index + 1)]);
    }

    /// <summary>Runs the stages in order until one fails; each one's outcome goes into the attempt record.</summary>
    public async Task<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        foreach (var stage in Stages)
        {
            var result = await stage.RunAsync(context, ct).ConfigureAwait(false);
            context.Record.Stages.Add(new Records.StageRecord(stage.Name, !result.Failed));
            if (result.Failed) return result;
        }
        return StageResult.Continue;
    }
}
