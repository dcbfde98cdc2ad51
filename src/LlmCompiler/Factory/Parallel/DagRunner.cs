using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Landing;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory.Parallel;

/// <summary>
/// Runs a plan's work orders as their dependency graph allows: up to <see cref="FactoryOptions.MaxParallel"/> at once,
/// each in its own worktree slot, each starting from the branch with its ancestors' passing commits applied
/// (<see cref="KeptWork.FrontierAsync"/>). Passing commits are kept, and the <see cref="MergeQueue"/> lands them in
/// plan order — each as soon as every earlier work order has landed or failed, while the rest keep running when the
/// commands are sandboxed (without a sandbox, only once nothing runs: landing moves the user's branch and checkout,
/// which the guard around an unsandboxed command would take for the command's doing). A work order that fails blocks
/// its dependents; independent work goes on.
/// </summary>
internal sealed class DagRunner(FactorySession session, IReadOnlyList<WorkOrder> plan, VerifyContract? verify, Func<ILlmClient> llmFactory,
    string? planDirectory, TextWriter log, CancellationToken ct)
{
    private readonly PlanGraph _graph = PlanGraph.Of(plan);
    private readonly string _batch = FactorySession.NewRunId();
    private readonly Dictionary<int, RunOutcome> _outcomes = [];
    private readonly Dictionary<int, KeptWork> _kept = [];
    private readonly HashSet<int> _failed = [];
    private readonly HashSet<int> _landed = [];
    private readonly HashSet<int> _reported = [];
    private int _nextToLand;

    // The newest commit this run landed (the baseline before any): what a work order starts from, with its kept
    // ancestors applied on top. Tracked here rather than read from the branch, so that a landing that finished in the
    // background but is not yet accounted for cannot be counted twice.
    private string _landedHead = "";

    /// <param name="decided">Work orders that need no run (already landed: DONE; refused before any attempt).</param>
    public async Task<RunAllOutcome> RunAsync(IReadOnlyDictionary<int, RunOutcome> decided, IReadOnlyList<Diagnostic> runWarnings, Action<RunOutcome>? progress)
    {
        var maxParallel = Math.Max(1, session.Options.MaxParallel);
        var layers = _graph.Layers();
        log.WriteLine($"llmc: schedule: {string.Join(" → ", layers.Select(l => l.Count == 1 ? l[0] : "{" + string.Join(", ", l) + "}"))}; up to {maxParallel} at once");
        foreach (var (i, outcome) in decided)
        {
            _outcomes[i] = outcome;
            if (outcome.Verdict == "DONE") _landed.Add(i);
            else _failed.Add(i);
        }
        var baseline = await session.Git.HeadCommitAsync(session.Root, ct).ConfigureAwait(false) ?? throw new IOException("the branch has no commit");
        _landedHead = baseline;
        var journalDirectory = Path.Combine(session.Layout.FactoryRunsDirectory, _batch);
        SafeFile.CreateDirectoryBelow(session.Root, journalDirectory);
        using var journal = Journal.Open(Path.Combine(journalDirectory, "batch.jsonl"));
        journal.Append("batch_started", new JsonObject { ["batch"] = _batch, ["baseline"] = baseline, ["max_parallel"] = maxParallel,
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)new JsonArray([.. l.Select(id => (JsonNode)id)]))]) });

        ILlmClient? llm = null;
        ILlmClient Llm() => llm ??= llmFactory();
        var queue = new MergeQueue(session, log);
        var free = new Queue<string>(Enumerable.Range(1, maxParallel).Select(RepositoryLayout.ParallelSlot));
        var running = new Dictionary<Task<RunOutcome>, (int Index, string Slot)>();
        (Task<RunOutcome> Task, int Index)? landing = null;
        while (true)
        {
            foreach (var i in Ready())
            {
                if (_graph.AncestorsOf(i).Where(_failed.Contains).Order().Select(a => (int?)a).FirstOrDefault() is { } failed)
                {
                    _failed.Add(i);
                    _outcomes[i] = RunOutcome.Refused(plan[i].Id, [DiagnosticCatalog.Create(DiagnosticCodes.DependencyNotLanded,
                        $"{plan[i].Id} was not run: it depends on {plan[failed].Id}, which did not pass", plan[i].Id)]) with { Verdict = "BLOCKED" };
                    Report(i, progress);
                    continue;
                }
                if (session.Health.BeforeStart(plan[i].Id) is { } stopped)
                {
                    // Over the health budget: nothing new starts; what runs finishes.
                    _failed.Add(i);
                    _outcomes[i] = RunOutcome.Refused(plan[i].Id, [stopped]) with { Verdict = "BLOCKED" };
                    Report(i, progress);
                    continue;
                }
                if (free.Count == 0) break;
                var slot = free.Dequeue();
                var ancestors = _graph.AncestorsOf(i).Where(_kept.ContainsKey).Order().Select(a => _kept[a]).ToList();
                var frontier = await KeptWork.FrontierAsync(session.Git, session.Root, session.Layout.CommitScratchDirectory, _landedHead, ancestors, ct).ConfigureAwait(false);
                var placement = new WorkOrderPlacement(slot, WorkOrderPlacement.KeptBranchName(_batch, plan[i].Id));
                journal.Append("wo_started", new JsonObject { ["wo"] = plan[i].Id, ["slot"] = slot, ["base"] = frontier });
                _outcomes[i] = new RunOutcome { WorkOrderId = plan[i].Id, Verdict = "RUNNING", ExitCode = FactoryExitCodes.Pass };
                running[session.RunPlacedAsync(plan[i], verify, Llm(), frontier, placement, planDirectory, log, ct)] = (i, slot);
                log.WriteLine($"llmc: {plan[i].Id} started in {slot}; in flight: {string.Join(", ", running.Values.Select(r => plan[r.Index].Id))}");
            }
            if (landing is null && NextToLand() is { } next && (session.Sandboxed || running.Count == 0))
            {
                if (_graph.AncestorsOf(next).Where(a => _failed.Contains(a)).Order().Select(a => (int?)a).FirstOrDefault() is { } blocker)
                {
                    Finish(next, MergeQueue.BlockedBy(plan[next], plan[blocker], _kept[next]), journal, progress);
                    continue;
                }
                journal.Append("wo_landing", new JsonObject { ["wo"] = plan[next].Id, ["commit"] = _kept[next].Commit.Id });
                landing = (queue.LandOneAsync(_kept[next], verify, Llm, planDirectory, ct), next);
            }
            var waiting = running.Keys.Concat(landing is { } l ? [l.Task] : []).ToList();
            if (waiting.Count == 0) break;
            var done = await Task.WhenAny(waiting).ConfigureAwait(false);
            if (landing is { } current && done == current.Task)
            {
                landing = null;
                Finish(current.Index, await done.ConfigureAwait(false), journal, progress);
                continue;
            }
            var (index, freed) = running[done];
            running.Remove(done);
            free.Enqueue(freed);
            var result = await done.ConfigureAwait(false);
            _outcomes[index] = result;
            journal.Append("wo_finished", new JsonObject { ["wo"] = plan[index].Id, ["slot"] = freed, ["verdict"] = result.Verdict, ["commit"] = result.Commit });
            if (result.Verdict == "PASS" && result.Commit is { } commit
                && await KeptWork.ReadAsync(session.Git, session.Root, plan[index], commit, ct).ConfigureAwait(false) is { } work)
            {
                _kept[index] = work with { Branch = result.KeptBranch };
            }
            else
            {
                _failed.Add(index);
                Report(index, progress);
            }
        }
        ct.ThrowIfCancellationRequested();

        var ordered = Enumerable.Range(0, plan.Count).Where(_outcomes.ContainsKey).Select(i => _outcomes[i]).ToList();
        // Already-decided work orders (DONE, refused) are reported by the caller.
        BatchSummary.Write(journalDirectory, _batch, baseline, maxParallel, layers, ordered);
        journal.Append("batch_finished", new JsonObject { ["landed"] = ordered.Count(o => o.Verdict == "PASS") });
        // Unlike a sequential run, a parallel one goes on after a failure: every work order that did not land says why.
        var notLanded = ordered.Where(o => o.ExitCode != FactoryExitCodes.Pass).ToList();
        return new RunAllOutcome(ordered, notLanded.FirstOrDefault()?.ExitCode ?? FactoryExitCodes.Pass, [.. runWarnings, .. notLanded.SelectMany(o => o.Diagnostics)]);
    }

    /// <summary>Work orders not yet started whose direct dependencies have all passed, landed, or failed (to be blocked), in plan order.</summary>
    private List<int> Ready() =>
        [.. Enumerable.Range(0, plan.Count).Where(i => !_outcomes.ContainsKey(i)
            && _graph.DependenciesOf(i).All(d => _kept.ContainsKey(d) || _failed.Contains(d) || _landed.Contains(d)))];

    /// <summary>
    /// The next work order to land: in plan order, once every earlier one has landed or failed; null while the next
    /// in line still runs or waits.
    /// </summary>
    private int? NextToLand()
    {
        while (_nextToLand < plan.Count && (_landed.Contains(_nextToLand) || _failed.Contains(_nextToLand))) _nextToLand++;
        return _nextToLand < plan.Count && _kept.ContainsKey(_nextToLand) && !_landed.Contains(_nextToLand) ? _nextToLand : null;
    }

    private void Finish(int index, RunOutcome landed, Journal journal, Action<RunOutcome>? progress)
    {
        _kept.Remove(index, out _);
        if (landed.LandedCommit is { } commit)
        {
            _landed.Add(index);
            _landedHead = commit;
        }
        else
        {
            _failed.Add(index);
        }
        _outcomes[index] = Combine(_outcomes[index], landed);
        journal.Append("wo_landed", new JsonObject { ["wo"] = plan[index].Id, ["verdict"] = _outcomes[index].Verdict, ["landed_commit"] = _outcomes[index].LandedCommit });
        Report(index, progress);
    }

    /// <summary>Each work order's verdict is shown once, as soon as it is final.</summary>
    private void Report(int index, Action<RunOutcome>? progress)
    {
        if (_reported.Add(index)) progress?.Invoke(_outcomes[index]);
    }

    /// <summary>What the work order's run did (attempts, tokens, time) with how its landing ended.</summary>
    private static RunOutcome Combine(RunOutcome ran, RunOutcome landed) => ran with
    {
        Verdict = landed.Verdict == "DONE" ? "PASS" : landed.Verdict,
        Metrics = ran.Metrics is { } metrics ? metrics with { Status = landed.Verdict == "DONE" ? "PASS" : landed.Verdict } : null,
        ExitCode = landed.ExitCode,
        LandedCommit = landed.LandedCommit,
        KeptBranch = landed.LandedCommit is null ? ran.KeptBranch : null,
        // The queue's first attempt replays the kept commit (no model call); only a repair is one more attempt.
        Attempts = ran.Attempts + Math.Max(0, landed.Attempts - 1),
        InputTokens = ran.InputTokens + landed.InputTokens,
        OutputTokens = ran.OutputTokens + landed.OutputTokens,
        CostUsd = ran.CostUsd + landed.CostUsd,
        CostKnown = ran.CostKnown && landed.CostKnown,
        Diagnostics = [.. ran.Diagnostics, .. landed.Diagnostics],
    };
}
