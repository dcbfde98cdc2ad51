using LlmCompiler.Diagnostics;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Parallel;

/// <summary>A work order a fanned-out run runs as its own node, with the nodes that must finish before it.</summary>
/// <param name="Id">The work order's id.</param>
/// <param name="File">Its file, absolute.</param>
/// <param name="Ancestors">The ids of the nodes among its ancestors, plan order.</param>
public sealed record FanOutNode(string Id, string File, IReadOnlyList<string> Ancestors);

/// <summary>
/// The coordinator's hold on a run whose work orders run as separate nodes (one MSBuild project invocation each, on
/// whichever MSBuild node the scheduler picks): the repository lock, taken once with recovery and the clean-tree
/// check, tagged with <see cref="RunId"/> so the nodes can prove they belong to it; what is already decided; and
/// the nodes to run. Disposing releases the lock: after the landing, or when the build ends.
/// </summary>
public sealed class FanOutRun : IDisposable
{
    private RepositoryLock? _lock;

    internal FanOutRun(RepositoryLock repoLock, string runId, IReadOnlyList<FanOutNode> nodes, IReadOnlyList<RunOutcome> decided, IReadOnlyList<Diagnostic> warnings)
    {
        _lock = repoLock;
        RunId = runId;
        Nodes = nodes;
        Decided = decided;
        Warnings = warnings;
    }

    public string RunId { get; }

    /// <summary>The work orders to run, plan order.</summary>
    public IReadOnlyList<FanOutNode> Nodes { get; }

    /// <summary>Work orders decided without running (DONE, or refused up front), plan order.</summary>
    public IReadOnlyList<RunOutcome> Decided { get; }

    public IReadOnlyList<Diagnostic> Warnings { get; }

    public void Dispose()
    {
        Interlocked.Exchange(ref _lock, null)?.Dispose();
    }
}

/// <summary>How a plan is to be executed by a front-end that can fan out (the MSBuild Factory target).</summary>
/// <param name="Run">The fanned-out run, when there is something to run in parallel.</param>
/// <param name="Finished">The result, when the plan could not start (diagnostics) — nothing to fan out.</param>
/// <remarks>Both null: the plan is a sequence (no <c>depends_on</c>) or parallelism is off; run it with run-all.</remarks>
public sealed record FanOutStart(FanOutRun? Run, RunAllOutcome? Finished);
