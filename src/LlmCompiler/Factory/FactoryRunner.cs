using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory;

/// <summary>The result of <c>run-all</c>: one outcome per work order looked at, and the exit code.</summary>
public sealed record RunAllOutcome(IReadOnlyList<RunOutcome> WorkOrders, int ExitCode, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>The run's metrics (also appended to <c>.llmc/metrics.jsonl</c>), when any work order ran.</summary>
    public Metrics.RunMetrics? Metrics { get; init; }
}

/// <summary>
/// Entry points for the front-ends (<c>llmc run</c>, <c>llmc run-all</c>, the MSBuild task): load and check the
/// work orders, open the repository session, run, and report. Front-ends only parse options and print.
/// </summary>
public static class FactoryRunner
{
    /// <summary>Runs one work-order file; its verify contract comes from the manifest beside it, if any.</summary>
    public static async Task<RunOutcome> RunOneAsync(string repo, string workOrderPath, Func<ILlmClient> llmFactory, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        if (!options.JoinRun || options.RunId is not { } runId) return await RunOneGuardedAsync(repo, workOrderPath, llmFactory, options, log, ct).ConfigureAwait(false);
        ILlmClient? used = null;
        var outcome = await RunOneGuardedAsync(repo, workOrderPath, () => used ??= llmFactory(), options, log, ct).ConfigureAwait(false);
        var usage = used as ILlmUsage;
        try
        {
            // A node is started by the Factory target with the repository root, the same path its landing reads from.
            new Records.NodeOutcomeRecord
            {
                WorkOrderId = outcome.WorkOrderId, Verdict = outcome.Verdict, Attempts = outcome.Attempts,
                Calls = usage?.Calls ?? 0, CassetteHits = usage?.CassetteHits ?? 0, InputTokens = usage?.InputTokens ?? 0, OutputTokens = usage?.OutputTokens ?? 0,
                CostUsd = usage?.CostUsd ?? 0, UnpricedModels = usage?.UnpricedModels ?? [],
                Slot = outcome.Slot, Started = outcome.Started, Finished = outcome.Finished, RunId = outcome.RunId, Commit = outcome.Commit,
                Metrics = outcome.Metrics,
            }.Write(Path.GetFullPath(repo), runId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"llmc: {outcome.WorkOrderId}: the node's record for the run's totals could not be written ({ex.Message})");
        }
        return outcome;
    }

    private static async Task<RunOutcome> RunOneGuardedAsync(string repo, string workOrderPath, Func<ILlmClient> llmFactory, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        try
        {
            return await RunOneCoreAsync(repo, workOrderPath, llmFactory, options, log, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new RunOutcome { WorkOrderId = Path.GetFileNameWithoutExtension(workOrderPath), Verdict = "ERROR", ExitCode = FactoryExitCodes.Cancelled, Diagnostics = [DiagnosticCatalog.Create(DiagnosticCodes.Cancelled, "cancelled before the run started; nothing was changed")] };
        }
        catch (Exception ex)
        {
            return new RunOutcome { WorkOrderId = Path.GetFileNameWithoutExtension(workOrderPath), Verdict = "ERROR", ExitCode = FactoryExitCodes.Error, Diagnostics = [Internal(ex)] };
        }
    }

    private static Diagnostic Internal(Exception ex) =>
        DiagnosticCatalog.Create(DiagnosticCodes.InternalError, $"internal error ({ex.GetType().Name}: {ex.Message}); the user's checkout was not changed by this step");

    private static async Task<RunOutcome> RunOneCoreAsync(string repo, string workOrderPath, Func<ILlmClient> llmFactory, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        var full = Path.GetFullPath(workOrderPath);
        var id = Path.GetFileNameWithoutExtension(full);
        if (!File.Exists(full)) return RunOutcome.Refused(id, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, $"work order '{full}' does not exist")]);
        // The work order is checked in the context of the plan it belongs to (the WO-*.json files and manifest
        // beside it), so chain rules see its predecessors; only findings about this work order block the run.
        var directory = Path.GetDirectoryName(full)!;
        var manifest = Path.Combine(directory, Manifest.FileName);
        var siblings = Directory.GetFiles(directory, PlanLoader.WorkOrderFilePattern).Select(Path.GetFullPath).Append(full).Distinct(StringComparer.Ordinal);
        var load = PlanLoader.LoadFiles(siblings, File.Exists(manifest) ? manifest : null);
        if (!load.Success) return RunOutcome.Refused(id, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, load.IoError!)]);
        var bound = load.Document!.WorkOrders.FirstOrDefault(w => w.Map.Source.Path is { } p && Path.GetFullPath(p) == full);
        if (bound is null) return RunOutcome.Refused(id, [.. load.Document.DocumentDiagnostics.Where(d => d.IsError && d.File is { } f && Path.GetFullPath(f) == full)]);
        var (_, verify, errors) = await CheckAsync(repo, load.Document, ct).ConfigureAwait(false);
        var mine = errors.Where(d => d.WoId == bound.DisplayId || d.File is { } f && Path.GetFullPath(f) == full).ToList();
        if (mine.Count > 0) return RunOutcome.Refused(bound.DisplayId, mine);

        var llm = llmFactory();
        if (Preflight(llm) is { } noKey) return RunOutcome.Refused(bound.Value.Id, [noKey]);
        var (session, diagnostics) = await OpenAsync(repo, options, log, ct).ConfigureAwait(false);
        if (session is null) return RunOutcome.Refused(bound.Value.Id, diagnostics);
        using (session)
        {
            // `llmc run` of a landed work order is "already landed", as in run-all; --force runs it again.
            var landed = await Landing.LandedWorkOrders.FindAsync(session.Git, session.Root, [bound.Value], ct).ConfigureAwait(false);
            var headTree = await session.Git.TreeEntriesAsync(session.Root, "HEAD", ct).ConfigureAwait(false);
            if (Decide(bound.Value, landed, headTree, options) is { } decided) return decided with { Diagnostics = [.. session.Warnings, .. landed.Warnings, .. decided.Diagnostics] };
            var started = DateTimeOffset.UtcNow;
            var outcome = options.NoLand
                ? await RunKeptAsync(session, [.. load.Document.WorkOrders.Select(w => w.Value)], bound.Value, verify, llm, options, directory, log, ct).ConfigureAwait(false)
                : await session.RunWorkOrderAsync(bound.Value, verify, llm, ct, directory).ConfigureAwait(false);
            // A node's line is written with the whole run's, by its landing (from the node's record).
            if (!options.JoinRun) WithMetrics(session.Root, outcome.RunId ?? FactorySession.NewRunId(), started, outcome.Duration, new([outcome], outcome.ExitCode, []), log);
            return outcome with { Diagnostics = [.. session.Warnings, .. landed.Warnings, .. outcome.Diagnostics] };
        }
    }

    /// <summary>
    /// One work order run without landing (<c>llmc run --no-land</c>, a CI leg): it starts from the branch with the kept
    /// work of its not-yet-landed ancestors applied, and its passing commit is kept on <c>llmc/&lt;run&gt;/&lt;WO&gt;</c>
    /// for <c>llmc land</c>.
    /// </summary>
    private static async Task<RunOutcome> RunKeptAsync(FactorySession session, IReadOnlyList<WorkOrder> plan, WorkOrder wo, VerifyContract? verify, ILlmClient llm,
        FactoryOptions options, string planDirectory, TextWriter log, CancellationToken ct)
    {
        if (await session.RefusalAsync(wo, ct).ConfigureAwait(false) is { } refused) return refused;
        var graph = PlanGraph.Of(plan);
        var index = graph.IndexOf(wo.Id)!.Value;
        var ancestors = graph.AncestorsOf(index).Order().Select(i => plan[i]).ToList();
        var landed = await Landing.LandedWorkOrders.FindAsync(session.Git, session.Root, ancestors, ct).ConfigureAwait(false);
        var pending = ancestors.Where(a => !landed.CommitByHash.ContainsKey(WorkOrderIdentity.Sha256(a))).ToList();
        var (kept, problems) = await Parallel.KeptWorkFinder.FindAsync(session.Git, session.Root, pending, options.RunId, ct).ConfigureAwait(false);
        if (pending.FirstOrDefault(a => !kept.ContainsKey(a.Id)) is { } missing)
        {
            return RunOutcome.Refused(wo.Id, [.. problems, DiagnosticCatalog.Create(DiagnosticCodes.DependencyNotLanded,
                $"{wo.Id} was not run: it depends on {missing.Id}, which has neither landed nor kept work{(options.RunId is null ? "" : $" in run {options.RunId}")}", wo.Id)]) with { Verdict = "BLOCKED" };
        }
        var head = await session.Git.HeadCommitAsync(session.Root, ct).ConfigureAwait(false) ?? throw new IOException("the branch has no commit");
        var frontier = await Parallel.KeptWork.FrontierAsync(session.Git, session.Root, session.Layout.CommitScratchDirectory, head, [.. pending.Select(a => kept[a.Id])], ct).ConfigureAwait(false);
        var batch = options.RunId ?? FactorySession.NewRunId();
        if (!options.JoinRun)
        {
            // Alone under the repository lock: the sequential slot is free.
            var placement = new Parallel.WorkOrderPlacement(IO.RepositoryLayout.AttemptSlot, Parallel.WorkOrderPlacement.KeptBranchName(batch, wo.Id));
            return await session.RunPlacedAsync(wo, verify, llm, frontier, placement, planDirectory, log, ct).ConfigureAwait(false);
        }
        using var lease = await IO.SlotLease.AcquireAsync(session.Layout.SlotLocksDirectory, options.MaxParallel,
            () => log.WriteLine($"llmc: {wo.Id} waits for one of the run's {Math.Max(1, options.MaxParallel)} slot(s)"), ct).ConfigureAwait(false);
        // Checked once the slot is ours: the nodes that held it meanwhile may have used up the run's health budget.
        if (session.Health.BeforeStart(wo.Id) is { } stopped) return RunOutcome.Refused(wo.Id, [stopped]) with { Verdict = "BLOCKED" };
        log.WriteLine($"llmc: {wo.Id} started in {lease.Slot} (run {batch})");
        return await session.RunPlacedAsync(wo, verify, llm, frontier, new Parallel.WorkOrderPlacement(lease.Slot, Parallel.WorkOrderPlacement.KeptBranchName(batch, wo.Id)),
            planDirectory, log, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>llmc land</c>: the merge queue over the kept work of a plan (from parallel or no-land runs, here or fetched
    /// from other machines), in plan order, re-verified on the integrated tree where the branch moved.
    /// </summary>
    public static async Task<RunAllOutcome> LandAsync(string repo, string workOrdersDir, Func<ILlmClient> llmFactory, FactoryOptions options, TextWriter log, Action<RunOutcome>? progress, CancellationToken ct)
    {
        try
        {
            var (plan, errors) = await LoadPlanAsync(repo, workOrdersDir, ct).ConfigureAwait(false);
            if (plan is null) return new([], FactoryExitCodes.Fail, errors);
            var (_, workOrders, verify) = plan;
            var (session, diagnostics) = await OpenAsync(repo, options, log, ct).ConfigureAwait(false);
            if (session is null) return new([], FactoryExitCodes.Fail, diagnostics);
            using (session)
            {
                var landed = await Landing.LandedWorkOrders.FindAsync(session.Git, session.Root, workOrders, ct).ConfigureAwait(false);
                var pending = workOrders.Where(w => !landed.CommitByHash.ContainsKey(WorkOrderIdentity.Sha256(w))).ToList();
                var (kept, problems) = await Parallel.KeptWorkFinder.FindAsync(session.Git, session.Root, pending, options.RunId, ct).ConfigureAwait(false);
                foreach (var problem in problems) log.WriteLine(problem.ToCanonicalString());
                log.WriteLine($"llmc: landing {kept.Count} kept work order(s) in plan order: {(kept.Count == 0 ? "none" : string.Join(", ", workOrders.Where(w => kept.ContainsKey(w.Id)).Select(w => w.Id)))}");
                var notKept = pending.Where(w => !kept.ContainsKey(w.Id)).Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
                var queue = new Landing.MergeQueue(session, log);
                var outcomes = await queue.LandAsync(workOrders, kept, notKept, verify, llmFactory, Path.GetFullPath(workOrdersDir), ct).ConfigureAwait(false);
                var ordered = workOrders.Where(w => outcomes.ContainsKey(w.Id)).Select(w => outcomes[w.Id]).ToList();
                foreach (var o in ordered) progress?.Invoke(o);
                var metrics = options.JoinRun && options.RunId is { } fannedOut ? WriteFanOutSummary(session, workOrders, fannedOut, options.MaxParallel, outcomes, log) : null;
                var failed = ordered.Where(o => o.ExitCode != FactoryExitCodes.Pass).ToList();
                return new(ordered, failed.FirstOrDefault()?.ExitCode ?? FactoryExitCodes.Pass, [.. session.Warnings, .. landed.Warnings, .. problems, .. failed.SelectMany(o => o.Diagnostics)]) { Metrics = metrics };
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new([], FactoryExitCodes.Cancelled, [DiagnosticCatalog.Create(DiagnosticCodes.Cancelled, "cancelled while landing; every landed work order stays landed, the rest stays kept")]);
        }
        catch (Exception ex)
        {
            return new([], FactoryExitCodes.Error, [Internal(ex)]);
        }
    }

    /// <summary>The batch summary of a fanned-out run, from its nodes' records and what the landing did.</summary>
    private static Metrics.RunMetrics? WriteFanOutSummary(FactorySession session, IReadOnlyList<WorkOrder> workOrders, string runId, int maxParallel, IReadOnlyDictionary<string, RunOutcome> landing, TextWriter log)
    {
        var nodes = Records.NodeOutcomeRecord.ReadAll(session.Root, runId).ToDictionary(n => n.WorkOrderId, StringComparer.Ordinal);
        var outcomes = workOrders.Where(w => nodes.ContainsKey(w.Id)).Select(w =>
        {
            var n = nodes[w.Id];
            landing.TryGetValue(w.Id, out var landed);
            return new RunOutcome
            {
                WorkOrderId = n.WorkOrderId, Verdict = landed?.Verdict ?? n.Verdict, ExitCode = FactoryExitCodes.Pass, RunId = n.RunId, Slot = n.Slot,
                Started = n.Started, Finished = n.Finished, Commit = n.Commit, LandedCommit = landed?.LandedCommit,
                Metrics = n.Metrics is { } m ? m with { Status = landed is null ? m.Status : landed.Verdict == "DONE" ? "PASS" : landed.Verdict } : null,
            };
        }).ToList();
        Parallel.BatchSummary.Write(Path.Combine(session.Layout.FactoryRunsDirectory, runId), runId, null, maxParallel, PlanGraph.Of(workOrders).Layers(), outcomes);
        var first = outcomes.Select(o => o.Started).Where(s => s is not null).Min() ?? DateTimeOffset.UtcNow;
        return WithMetrics(session.Root, runId, first, DateTimeOffset.UtcNow - first, new(outcomes, FactoryExitCodes.Pass, []), log).Metrics;
    }

    /// <summary>
    /// Starts a run whose work orders run as separate nodes (the MSBuild Factory target fans out over one project
    /// invocation per work order): the checks, the repository lock (kept by the returned run for its nodes and its
    /// landing), recovery and the decisions about landed work, once. Each node then runs <see cref="RunOneAsync"/> with
    /// <see cref="FactoryOptions.JoinRun"/>, and the coordinator ends with <see cref="LandAsync"/> joined the same way.
    /// </summary>
    public static async Task<Parallel.FanOutStart> StartFanOutAsync(string repo, string workOrdersDir, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        try
        {
            var (plan, errors) = await LoadPlanAsync(repo, workOrdersDir, ct).ConfigureAwait(false);
            if (plan is null) return new(null, new([], FactoryExitCodes.Fail, errors));
            var (document, workOrders, _) = plan;
            var graph = PlanGraph.Of(workOrders);
            if (options.MaxParallel <= 1 || graph.IsSequential) return new(null, null);

            var runId = options.RunId ?? FactorySession.NewRunId();
            var (session, diagnostics) = await OpenAsync(repo, options with { RunId = runId, JoinRun = false }, log, ct).ConfigureAwait(false);
            if (session is null) return new(null, new([], FactoryExitCodes.Fail, diagnostics));
            using (session)
            {
                var landed = await Landing.LandedWorkOrders.FindAsync(session.Git, session.Root, workOrders, ct).ConfigureAwait(false);
                foreach (var warning in landed.Warnings) log.WriteLine(warning.ToCanonicalString());
                var headTree = await session.Git.TreeEntriesAsync(session.Root, "HEAD", ct).ConfigureAwait(false);
                var decided = new List<RunOutcome>();
                var nodeIndexes = new List<int>();
                for (var i = 0; i < workOrders.Count; i++)
                {
                    if (Decide(workOrders[i], landed, headTree, options) is { } outcome) decided.Add(outcome);
                    else nodeIndexes.Add(i);
                }
                var isNode = nodeIndexes.ToHashSet();
                var files = document.WorkOrders.Where(w => w.Map.Source.Path is not null).ToDictionary(w => w.Value.Id, w => Path.GetFullPath(w.Map.Source.Path!), StringComparer.Ordinal);
                var nodes = nodeIndexes.Select(i => new Parallel.FanOutNode(workOrders[i].Id, files[workOrders[i].Id],
                    [.. graph.AncestorsOf(i).Where(isNode.Contains).Order().Select(a => workOrders[a].Id)])).ToList();
                log.WriteLine($"llmc: run {runId} fans out {nodes.Count} work order(s), at most {options.MaxParallel} at once: {string.Join(" ", nodes.Select(n => n.Ancestors.Count == 0 ? n.Id : $"{n.Id}<-{string.Join(",", n.Ancestors)}"))}");
                return new(new Parallel.FanOutRun(session.DetachLock(), runId, nodes, decided, [.. session.Warnings, .. landed.Warnings]), null);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new(null, new([], FactoryExitCodes.Cancelled, [DiagnosticCatalog.Create(DiagnosticCodes.Cancelled, "cancelled before the run started; nothing was changed")]));
        }
        catch (Exception ex)
        {
            return new(null, new([], FactoryExitCodes.Error, [Internal(ex)]));
        }
    }

    /// <summary>
    /// Runs a plan directory in work-order order, each on top of the previous one's landed commit. A work
    /// order whose canonical hash is already in a <c>Work-Order-Sha256:</c> trailer on the branch is skipped.
    /// Stops at the first work order that does not pass.
    /// </summary>
    public static async Task<RunAllOutcome> RunAllAsync(string repo, string workOrdersDir, Func<ILlmClient> llmFactory, FactoryOptions options, TextWriter log, Action<RunOutcome>? progress, CancellationToken ct)
    {
        try
        {
            return await RunAllCoreAsync(repo, workOrdersDir, llmFactory, options, log, progress, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new([], FactoryExitCodes.Cancelled, [DiagnosticCatalog.Create(DiagnosticCodes.Cancelled, "cancelled between work orders; every landed work order stays landed")]);
        }
        catch (Exception ex)
        {
            return new([], FactoryExitCodes.Error, [Internal(ex)]);
        }
    }

    private static async Task<RunAllOutcome> RunAllCoreAsync(string repo, string workOrdersDir, Func<ILlmClient> llmFactory, FactoryOptions options, TextWriter log, Action<RunOutcome>? progress, CancellationToken ct)
    {
        var (plan, errors) = await LoadPlanAsync(repo, workOrdersDir, ct).ConfigureAwait(false);
        if (plan is null) return new([], FactoryExitCodes.Fail, errors);
        var (_, workOrders, verify) = plan;

        var (session, diagnostics) = await OpenAsync(repo, options, log, ct).ConfigureAwait(false);
        if (session is null) return new([], FactoryExitCodes.Fail, diagnostics);
        using (session)
        {
            var started = DateTimeOffset.UtcNow;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await RunSessionAsync(session, workOrders, verify, llmFactory, options, log, progress, workOrdersDir, ct).ConfigureAwait(false);
            return WithMetrics(session.Root, FactorySession.NewRunId(), started, clock.Elapsed, result, log);
        }
    }

    /// <summary>Appends the run's metrics (its work orders', then its own) and puts them on the outcome; a write failure is logged, never fatal.</summary>
    private static RunAllOutcome WithMetrics(string root, string runId, DateTimeOffset started, TimeSpan wall, RunAllOutcome result, TextWriter log)
    {
        var ran = result.WorkOrders.Where(o => o.Metrics is not null).ToList();
        if (ran.Count == 0) return result;
        var metrics = Metrics.RunMetrics.Of(runId, started, result.WorkOrders, wall);
        if (Metrics.MetricsLog.Append(root, metrics, ran.Select(o => o.Metrics!)) is { } problem) log.WriteLine($"llmc: the run's metrics could not be appended to .llmc/metrics.jsonl ({problem})");
        return result with { Metrics = metrics };
    }

    private static async Task<RunAllOutcome> RunSessionAsync(FactorySession session, IReadOnlyList<WorkOrder> workOrders, VerifyContract? verify, Func<ILlmClient> llmFactory,
        FactoryOptions options, TextWriter log, Action<RunOutcome>? progress, string workOrdersDir, CancellationToken ct)
    {
        {
            var outcomes = new List<RunOutcome>();
            var landed = await Landing.LandedWorkOrders.FindAsync(session.Git, session.Root, workOrders, ct).ConfigureAwait(false);
            IReadOnlyList<Diagnostic> runWarnings = [.. session.Warnings, .. landed.Warnings];
            foreach (var warning in landed.Warnings) log.WriteLine(warning.ToCanonicalString());
            var headTree = await session.Git.TreeEntriesAsync(session.Root, "HEAD", ct).ConfigureAwait(false);
            if (options.MaxParallel > 1 && !PlanGraph.Of(workOrders).IsSequential)
            {
                return await RunInParallelAsync(session, workOrders, verify, llmFactory, landed, headTree, options, runWarnings, log, progress, Path.GetFullPath(workOrdersDir), ct).ConfigureAwait(false);
            }
            ILlmClient? llm = null;
            foreach (var wo in workOrders)
            {
                var outcome = Decide(wo, landed, headTree, options);
                if (outcome is null && session.Health.BeforeStart(wo.Id) is { } stopped) outcome = RunOutcome.Refused(wo.Id, [stopped]) with { Verdict = "BLOCKED" };
                if (outcome is null)
                {
                    llm ??= llmFactory();
                    if (Preflight(llm) is { } noKey) return new(outcomes, FactoryExitCodes.Fail, [.. runWarnings, noKey]);
                    outcome = await session.RunWorkOrderAsync(wo, verify, llm, ct, Path.GetFullPath(workOrdersDir)).ConfigureAwait(false);
                }
                outcomes.Add(outcome);
                progress?.Invoke(outcome);
                if (outcome.ExitCode != FactoryExitCodes.Pass) return new(outcomes, outcome.ExitCode, [.. runWarnings, .. outcome.Diagnostics]);
            }
            return new(outcomes, FactoryExitCodes.Pass, runWarnings);
        }
    }

    /// <summary>
    /// The plan's work orders as their dependencies allow, several at once (<see cref="Parallel.DagRunner"/>); what
    /// is already landed or refused up front is decided here, as for a sequential run.
    /// </summary>
    private static async Task<RunAllOutcome> RunInParallelAsync(FactorySession session, IReadOnlyList<WorkOrder> workOrders, VerifyContract? verify,
        Func<ILlmClient> llmFactory, Landing.LandedWork landed, IReadOnlyDictionary<string, Git.TreeEntry> headTree, FactoryOptions options,
        IReadOnlyList<Diagnostic> runWarnings, TextWriter log, Action<RunOutcome>? progress, string planDirectory, CancellationToken ct)
    {
        var decided = new Dictionary<int, RunOutcome>();
        for (var i = 0; i < workOrders.Count; i++)
        {
            var wo = workOrders[i];
            if (Decide(wo, landed, headTree, options) is { } outcome) decided[i] = outcome;
            else if (await session.RefusalAsync(wo, ct).ConfigureAwait(false) is { } refused) decided[i] = refused;
        }
        if (decided.Count < workOrders.Count)
        {
            var llm = llmFactory();
            if (Preflight(llm) is { } noKey) return new([], FactoryExitCodes.Fail, [.. runWarnings, noKey]);
            llmFactory = () => llm;
        }
        foreach (var (_, outcome) in decided.OrderBy(d => d.Key)) progress?.Invoke(outcome);
        return await new Parallel.DagRunner(session, workOrders, verify, llmFactory, planDirectory, log, ct).RunAsync(decided, runWarnings, progress).ConfigureAwait(false);
    }

    /// <summary>
    /// What to do with a work order before running it: DONE when the factory landed it (and what it created is still at
    /// HEAD; otherwise E219), DONE with W104 when an earlier version of it landed, null to run it — always null for a
    /// work order named in <see cref="FactoryOptions.Rerun"/>.
    /// </summary>
    private static RunOutcome? Decide(WorkOrder wo, Landing.LandedWork landed, IReadOnlyDictionary<string, Git.TreeEntry> headTree, FactoryOptions options)
    {
        if (options.Rerun.Contains(wo.Id) || options.Rerun.Contains("*")) return null;
        if (landed.CommitByHash.TryGetValue(WorkOrderIdentity.Sha256(wo), out var landedIn))
        {
            // Landed once is not enough: what it created must still be there, or this is not DONE.
            return Landing.LandedWorkOrders.BrokenPostcondition(wo, headTree) is { } broken
                ? RunOutcome.Refused(wo.Id, [DiagnosticCatalog.Create(DiagnosticCodes.LandedWorkMismatch,
                    $"{wo.Id} landed in {landedIn[..12]}, but its postcondition {broken} no longer holds at HEAD; restore the file, or run the work order again with --force / LlmcRerun={wo.Id}", wo.Id)])
                : new RunOutcome { WorkOrderId = wo.Id, Verdict = "DONE", ExitCode = FactoryExitCodes.Pass, Skipped = true, LandedCommit = landedIn };
        }
        if (landed.EditedById.TryGetValue(wo.Id, out var earlier))
        {
            // Reverted since (the documented way to apply an edit): not done, and not silently re-run either.
            if (Landing.LandedWorkOrders.BrokenPostcondition(wo, headTree) is { } undone)
            {
                return RunOutcome.Refused(wo.Id, [DiagnosticCatalog.Create(DiagnosticCodes.LandedWorkMismatch,
                    $"an earlier version of {wo.Id} landed in {earlier[..12]}, but its postcondition {undone} no longer holds at HEAD; to apply the edited work order, run it again with --force / LlmcRerun={wo.Id}", wo.Id)]);
            }
            return new RunOutcome
            {
                WorkOrderId = wo.Id, Verdict = "DONE", ExitCode = FactoryExitCodes.Pass, Skipped = true, LandedCommit = earlier,
                Diagnostics = [DiagnosticCatalog.Create(DiagnosticCodes.EditedAfterLanding, EditedWorkOrderText.Message(wo.Id, earlier), wo.Id)],
            };
        }
        return null;
    }

    private static Diagnostic? Preflight(ILlmClient llm) => (llm as ILlmPreflight)?.Preflight();

    private static async Task<(FactorySession? Session, IReadOnlyList<Diagnostic> Diagnostics)> OpenAsync(string repo, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        try
        {
            return await FactorySession.OpenAsync(repo, options, log, ct).ConfigureAwait(false);
        }
        catch (Git.GitException ex)
        {
            // e.g. a stale .git/index.lock: report it, never delete it (a git process may still own it).
            return (null, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, $"git could not prepare the repository: {ex.Message}")]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, $"cannot prepare the repository: {ex.Message}")]);
        }
    }

    /// <summary>
    /// Validates the plan against the files of the repository being run as they were before this plan started
    /// (<see cref="PlanBaseline"/>): <c>file_exists</c> preconditions on files already there hold, and work
    /// orders that already landed keep their <c>file_absent</c> preconditions true on a re-run.
    /// </summary>
    /// <summary>A plan folder, loaded and checked against the repository.</summary>
    private sealed record CheckedPlan(PlanDocument Document, IReadOnlyList<WorkOrder> WorkOrders, VerifyContract? Verify);

    /// <summary>The plan folder read and checked (run-all, land, the fan-out's start), or why it cannot run.</summary>
    private static async Task<(CheckedPlan? Plan, IReadOnlyList<Diagnostic> Errors)> LoadPlanAsync(string repo, string workOrdersDir, CancellationToken ct)
    {
        if (!Directory.Exists(workOrdersDir)) return (null, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, $"work-order directory '{workOrdersDir}' does not exist")]);
        var load = PlanLoader.Load(workOrdersDir);
        if (!load.Success) return (null, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, load.IoError!)]);
        var (workOrders, verify, errors) = await CheckAsync(repo, load.Document!, ct).ConfigureAwait(false);
        return errors.Count > 0 ? (null, errors) : (new CheckedPlan(load.Document!, workOrders, verify), []);
    }

    private static async Task<(IReadOnlyList<WorkOrder> WorkOrders, VerifyContract? Verify, IReadOnlyList<Diagnostic> Errors)> CheckAsync(
        string repo, PlanDocument document, CancellationToken ct)
    {
        var fullRepo = Path.GetFullPath(repo);
        var plan = document.WorkOrders.Select(w => w.Value).ToList();
        var (verification, baselineError) = await PlanVerifier.VerifyAsync(document, fullRepo, fullRepo, ValidationOptions.Default, ct).ConfigureAwait(false);
        if (baselineError is not null) return (plan, document.VerifyContract?.Value, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, baselineError)]);
        var validation = verification!.Result;
        var errors = validation.Errors.ToList();
        var workOrders = document.WorkOrders.Select(w => w.Value).OrderBy(w => IdNumber(w.Id)).ThenBy(w => w.Id, StringComparer.Ordinal).ToList();
        if (errors.Count == 0 && workOrders.Count == 0) errors.Add(DiagnosticCatalog.Create(DiagnosticCodes.MalformedDocument, "no work orders to run"));
        return (workOrders, document.VerifyContract?.Value, errors);
    }

    private static int IdNumber(string id) =>
        id.StartsWith("WO-", StringComparison.OrdinalIgnoreCase) && int.TryParse(id.AsSpan(3), out var n) ? n : int.MaxValue;
}
