namespace LlmCompiler.Factory.Attempts;

/// <summary>
/// One step of an attempt (precondition gate, proposal, write gate, verification, …). A stage reads what earlier
/// stages left in the context, adds its own, and either lets the attempt continue or ends it with a failure brief.
/// </summary>
internal interface IAttemptStage
{
    /// <summary>The stage's name in the attempt record (<c>stages</c> of <c>run_summary.json</c>).</summary>
    string Name { get; }

    ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct);
}
