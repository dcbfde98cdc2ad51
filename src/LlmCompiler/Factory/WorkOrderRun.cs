using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Attempts;
using LlmCompiler.Factory.Landing;
using LlmCompiler.Factory.Parallel;
using LlmCompiler.Factory.Records;
using LlmCompiler.IO;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory;

/// <summary>
/// One work order from baseline to verdict: its attempts, each the <see cref="AttemptPipeline"/> in the attempt
/// worktree (precondition gate → proposal → write gate → verify → postconditions → acceptance → commit), then on
/// PASS the landing of the commit on the user's branch. Every step is announced in the journal before it happens.
/// </summary>
internal sealed class WorkOrderRun
{
    private readonly FactorySession _session;
    private readonly WorkOrder _wo;
    private readonly VerifyContract? _verify;
    private readonly ILlmClient _llm;
    private readonly string _baseline;
    private readonly TextWriter _log;
    private readonly IReadOnlyList<(string Directory, string Reason)> _protectedDirectories;
    private readonly AttemptPipeline _pipeline;
    private readonly WorkOrderPlacement _placement;
    private readonly string _runId = FactorySession.NewRunId();
    private readonly RunArtifacts _artifacts;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly List<AttemptRecord> _attempts = [];

    /// <summary>
    /// The work order's ladder: executor then escalation (hard: escalation only). The merge queue's repair run gives its
    /// own attempts, on the executor alone.
    /// </summary>
    private readonly Escalation.EscalationLadder _ladder;
    private RunContext? _run;
    private TestsFirstRecord? _testsFirst;
    private FailureBrief? _lastFailure;

    public WorkOrderRun(FactorySession session, WorkOrder wo, VerifyContract? verify, ILlmClient llm, string baseline, TextWriter log,
        IReadOnlyList<(string Directory, string Reason)> protectedDirectories, WorkOrderPlacement? placement = null)
    {
        _session = session;
        _wo = wo;
        _verify = verify;
        _llm = llm;
        _baseline = baseline;
        _log = log;
        _protectedDirectories = protectedDirectories;
        _placement = placement ?? WorkOrderPlacement.Sequential;
        _pipeline = _placement.Pipeline ?? session.Options.Pipeline ?? AttemptPipeline.Default;
        _artifacts = new RunArtifacts(Path.Combine(session.Layout.FactoryRunsDirectory, _runId));
        _ladder = _placement.MaxAttempts is { } fixedAttempts
            ? new([new(Configuration.Roles.ModelRole.Executor, fixedAttempts)])
            : Escalation.EscalationLadder.For(wo.DifficultyLevel, Role(Configuration.Roles.ModelRole.Executor), Role(Configuration.Roles.ModelRole.Escalation));
    }

    private FactoryOptions Options => _session.Options;
    private string DefaultModel => Options.Model ?? "";
    private Configuration.Roles.ResolvedRole Role(Configuration.Roles.ModelRole role) => Options.Roles.Resolve(role, DefaultModel, Options.MaxAttempts);

    private int MaxAttempts => _ladder.TotalAttempts;
    private string MarkerPath => Path.Combine(_session.ActiveDir, _runId);

    public async Task<RunOutcome> ExecuteAsync(CancellationToken ct)
    {
        var woSha256 = WorkOrderIdentity.Sha256(_wo);
        Journal journal;
        try
        {
            SafeFile.CreateDirectoryBelow(_session.Root, _artifacts.Directory);
            Directory.CreateDirectory(_session.ActiveDir);
            AtomicFile.WriteAllText(MarkerPath, _artifacts.Directory);
            journal = Journal.Open(_artifacts.PathOf("journal.jsonl"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Disk full, a read-only folder, a link where the run folder belongs: nothing has happened yet.
            try { File.Delete(MarkerPath); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            return RunOutcome.Refused(_wo.Id, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable,
                $"{_wo.Id}: cannot create the run folder {_artifacts.Directory}: {ex.Message}; nothing was run", _wo.Id)]);
        }
        using (journal)
        {
            try
            {
                journal.Append(JournalEvents.RunStarted, new JsonObject
                {
                    ["run_id"] = _runId, ["work_order_id"] = _wo.Id, ["work_order_sha256"] = woSha256,
                    ["baseline"] = _baseline, ["branch"] = _session.Branch, ["pid"] = Environment.ProcessId,
                    ["sandbox"] = _session.Containment.Description, ["slot"] = _placement.Slot, ["keep_branch"] = _placement.KeepBranch,
                });
                _artifacts.WriteJson("work_order.json", JsonNode.Parse(WorkOrderIdentity.CanonicalJson(_wo))!);
                _run = new RunContext
                {
                    Session = _session, WorkOrder = _wo, VerifyContract = _verify, Llm = new Health.HealthGatedClient(_llm, _session.Health, _wo.Id), RunId = _runId, WorkOrderSha256 = woSha256,
                    Baseline = _baseline,
                    BaselineTree = await _session.Git.TreeEntriesAsync(_session.Root, _baseline, ct).ConfigureAwait(false),
                    ObjectFormat = await _session.Git.ObjectFormatAsync(_session.Root, ct).ConfigureAwait(false),
                    Artifacts = _artifacts, Journal = journal, Log = _log, ProtectedDirectories = _protectedDirectories,
                };
                return await LoopAsync(_run, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                var d = DiagnosticCatalog.Create(DiagnosticCodes.Cancelled, $"{_wo.Id}: run cancelled; the checkout is as it was before the run", _wo.Id);
                return Finish(journal, woSha256, "ERROR", FactoryExitCodes.Cancelled, null, null, [d], "cancelled");
            }
            catch (Exception ex)
            {
                var d = DiagnosticCatalog.Create(DiagnosticCodes.InternalError, $"{_wo.Id}: internal error ({ex.GetType().Name}: {Redact(ex.Message)}); the checkout is as it was before the run", _wo.Id);
                return Finish(journal, woSha256, "ERROR", FactoryExitCodes.Error, null, null, [d], Redact(ex.ToString()));
            }
        }
    }

    private async Task<RunOutcome> LoopAsync(RunContext run, CancellationToken ct)
    {
        run.AttemptBase = _baseline;
        if (_wo.TestFiles.Count > 0)
        {
            var failed = await TestsFirstAsync(run, ct).ConfigureAwait(false);
            if (failed is not null) return failed;
        }
        var ladder = _ladder;
        if (_wo.DifficultyLevel == WorkOrderDifficulty.Hard && ladder.Rungs.All(r => r.Role != Configuration.Roles.ModelRole.Escalation) && _placement.MaxAttempts is null)
        {
            run.Warn(DiagnosticCodes.NoEscalationRole, $"{_wo.Id} is marked difficulty \"hard\", but no escalation role is configured; it runs on the executor ({Role(Configuration.Roles.ModelRole.Executor).Model})");
        }
        FailureBrief? previous = null;
        (string Answer, string Failure)? lastFailure = null;
        Escalation.LadderPosition? position = null;
        Escalation.AttemptVerdict? verdict = null;
        Escalation.LadderStop? stop = null;
        var reopened = false;
        for (var attempt = 1; ; attempt++)
        {
            var decision = reopened && verdict is null && position is { } same
                ? Escalation.LadderDecision.Run(same, ladder.Rungs[same.Rung].Role, escalates: false)
                : ladder.Next(position, verdict);
            reopened = false;
            if (decision.Stop is { } halted)
            {
                stop = halted;
                if (halted == Escalation.LadderStop.Repeated) _log.WriteLine($"llmc: {_wo.Id} stopped after attempt {attempt - 1}: the model gave the same answer as before and it failed the same way");
                break;
            }
            var role = Role(decision.Role!.Value);
            if (decision.Escalates)
            {
                run.Escalated = true;
                var why = verdict is { Repeated: true } ? " (the same answer failed the same way twice)" : "";
                _log.WriteLine($"llmc: {_wo.Id}: escalating to {role.Model} after {attempt - 1} failed attempt{(attempt - 1 == 1 ? "" : "s")}{why}");
                run.Journal.Append(JournalEvents.Escalated, new JsonObject { ["attempt"] = attempt, ["role"] = role.Name, ["model"] = role.Model });
            }
            if (_session.Health.BeforeAttempt(_wo.Id) is { } unhealthy)
            {
                return HealthStop(run, unhealthy);
            }
            position = decision.Next;
            var (context, result) = await RunAttemptAsync(run, attempt, previous, role, ct).ConfigureAwait(false);
            if (!result.Failed) return _placement.KeepBranch is { } keep
                ? await KeepAsync(run, context.Commit!.Value.Id, keep, ct).ConfigureAwait(false)
                : await LandAsync(run, context.Commit!.Value, ct).ConfigureAwait(false);
            var brief = result.Failure!;
            previous = brief;
            _lastFailure = brief;
            _session.Health.AttemptFailed();
            _log.WriteLine($"llmc: {_wo.Id} attempt {attempt}/{MaxAttempts + run.ReviewBlocks} failed at {ExecutorPrompt.StageName(brief.Stage)} ({brief.Code}): {FirstLine(brief.Cause?.Message ?? brief.PrimaryErrorExcerpt)}");
            if (result.Fatal)
            {
                stop = Escalation.LadderStop.NotRetryable;
                break;
            }
            if (brief.Code == DiagnosticCodes.ReviewBlocked)
            {
                // The review's one re-open is an extra attempt on the same rung: it never eats the escalation's attempts.
                reopened = true;
                verdict = null;
                lastFailure = null;
                continue;
            }
            // The same answer failing the same way twice will fail again: move up the ladder (or stop) instead of spending the rest of the rung.
            var signature = context.AnswerHash is null ? ((string, string)?)null : (context.AnswerHash, brief.Code + "\n" + brief.PrimaryErrorExcerpt);
            var repeated = signature is not null && signature == lastFailure;
            lastFailure = signature;
            verdict = new Escalation.AttemptVerdict(brief.Code, brief.IsRetryable && !(brief.Code == DiagnosticCodes.Flaky && !Options.RetryFlaky), repeated);
        }
        return Finish(run.Journal, run.WorkOrderSha256, "FAIL", FactoryExitCodes.Fail, null, null, FinalDiagnostics(previous!, stop == Escalation.LadderStop.Repeated), null);
    }

    /// <summary>The run's health budget stopped this work order before its next attempt: what it has is its outcome.</summary>
    private RunOutcome HealthStop(RunContext run, Diagnostic reason)
    {
        run.Journal.Append(JournalEvents.HealthStopped, new JsonObject { ["code"] = reason.Code });
        _log.WriteLine($"llmc: {_wo.Id}: stopped by the run's health budget ({reason.Code})");
        var diagnostics = new List<Diagnostic> { reason with { WoId = _wo.Id } };
        if (_lastFailure is { } last) diagnostics.InsertRange(0, FinalDiagnostics(last, repeated: false).Where(d => d.Code != DiagnosticCodes.AttemptsExhausted));
        return Finish(run.Journal, run.WorkOrderSha256, "FAIL", FactoryExitCodes.Fail, null, null, diagnostics, null);
    }

    private async Task<(AttemptContext Context, StageResult Result)> RunAttemptAsync(RunContext run, int attempt, FailureBrief? previous, Configuration.Roles.ResolvedRole role, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        run.Journal.Append(JournalEvents.WorktreePreparing, new JsonObject { ["attempt"] = attempt, ["path"] = _session.Layout.Slot(_placement.Slot) });
        var slot = await _session.PrepareAttemptSlotAsync(run.AttemptBase, ct, _placement.Slot).ConfigureAwait(false);
        var context = new AttemptContext(run, attempt, slot, previous) { ModelRole = role, AttemptsOfRole = MaxAttempts + run.ReviewBlocks };
        var result = StageResult.Continue;
        try
        {
            result = await (run.Frozen is null ? _pipeline : _pipeline.WithFrozenTests()).RunAsync(context, ct).ConfigureAwait(false);
            return (context, result);
        }
        finally
        {
            if (result.Failure is { } brief) _artifacts.WriteBrief($"{context.Directory}/failure_brief.json", brief);
            _attempts.Add(context.Record.ToRecord(result.Failure, started.Elapsed));
            // Rollback is the worktree's next reset: nothing of this attempt ever reached the user's checkout.
            run.Journal.Append(JournalEvents.AttemptFinished, new JsonObject { ["attempt"] = attempt, ["passed"] = !result.Failed });
        }
    }

    /// <summary>
    /// Tests first: the frozen tests of this work order's last run when there are some, else the test author's attempts
    /// (each in the slot at the baseline: preconditions, proposal of exactly the tests, write gate, red run), at most
    /// the test author role's attempts (three by default). Then the executor's attempts start from the baseline plus those
    /// tests. Returns the run's outcome when no test author's answer was red for the right reason: nothing of the
    /// executor was spent.
    /// </summary>
    private async Task<RunOutcome?> TestsFirstAsync(RunContext run, CancellationToken ct)
    {
        var reused = ReusableFrozenTests(run);
        await BaselineVerificationAsync(run, ct).ConfigureAwait(false);
        IReadOnlyList<AttemptRecord> authorAttempts = [];
        var frozen = reused;
        if (frozen is null)
        {
            (frozen, authorAttempts, var last) = await AuthorTestsAsync(run, ct).ConfigureAwait(false);
            if (frozen is null)
            {
                _testsFirst = new TestsFirstRecord { AuthorAttempts = authorAttempts };
                var d = last!.Cause is { } cause ? cause with { WoId = _wo.Id } : DiagnosticCatalog.Create(last.Code, $"{_wo.Id}: the tests written first: {FirstLine(last.PrimaryErrorExcerpt)}", _wo.Id);
                return Finish(run.Journal, run.WorkOrderSha256, "FAIL", FactoryExitCodes.Fail, null, null, [d], null);
            }
            TestsFirst.FrozenTestStore.Save(_session.Layout, run.WorkOrderSha256, frozen);
        }
        else
        {
            _log.WriteLine($"llmc: {_wo.Id}: reusing the frozen tests of its last run ({string.Join(", ", frozen.Files.Select(f => f.Path))})");
        }
        foreach (var file in frozen.Files) await _session.Git.StoreBlobAsync(_session.Root, file.Content, ct).ConfigureAwait(false);
        run.Frozen = frozen;
        _testsFirst = TestsFirst.FrozenTestStore.Record(frozen, authorAttempts, reused is not null);
        run.Journal.Append(JournalEvents.TestsFrozen, new JsonObject
        {
            ["files"] = new JsonArray([.. frozen.Files.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["blob"] = f.BlobId, ["sha256"] = f.Sha256 })]),
            ["red"] = frozen.Red.Classification, ["reused"] = reused is not null,
        });
        run.AttemptBase = await _session.Git.CommitTreeAsync(_session.Root, _session.Layout.CommitScratchDirectory, _baseline,
            [.. frozen.Files.Select(f => new Git.TreeEntry("100644", f.BlobId, f.Path))],
            $"llmc: {_wo.Id}'s frozen tests on {Short(_baseline)} (the executor's starting point; never landed)\n", ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The frozen tests to use without asking: the merge queue's (from the kept commit), else those of this work order's last run, when they are its current tests.</summary>
    private TestsFirst.FrozenTestSet? ReusableFrozenTests(RunContext run)
    {
        if (_placement.Frozen is { } carried) return carried;
        if (TestsFirst.FrozenTestStore.Load(_session.Layout, run.WorkOrderSha256) is not { } stored) return null;
        var expected = _wo.TestFiles.Select(t => RepoPath.NormalizeOrNull(t) ?? t).Order(StringComparer.Ordinal);
        return stored.Files.Select(f => f.Path).Order(StringComparer.Ordinal).SequenceEqual(expected) ? stored : null;
    }

    /// <summary>The test author's attempts, each in the slot at the baseline, until one is red for the right reason.</summary>
    private async Task<(TestsFirst.FrozenTestSet? Frozen, IReadOnlyList<AttemptRecord> Attempts, FailureBrief? Last)> AuthorTestsAsync(RunContext run, CancellationToken ct)
    {
        var attempts = new List<AttemptRecord>();
        FailureBrief? previous = null;
        string? lastAnswer = null;
        var author = Role(Configuration.Roles.ModelRole.TestAuthor);
        for (var attempt = 1; attempt <= author.Attempts; attempt++)
        {
            if (_session.Health.BeforeAttempt(_wo.Id) is { } unhealthy)
            {
                return (null, attempts, Briefs.Brief(FailureStage.Preflight, unhealthy.Code, unhealthy.Message, "") with { Cause = unhealthy });
            }
            var started = Stopwatch.StartNew();
            var slot = await _session.PrepareAttemptSlotAsync(_baseline, ct, _placement.Slot).ConfigureAwait(false);
            var context = new AttemptContext(run, attempt, slot, previous) { Role = AttemptRole.TestAuthor, ModelRole = author, AttemptsOfRole = author.Attempts };
            var result = await AttemptPipeline.TestAuthor.RunAsync(context, ct).ConfigureAwait(false);
            if (result.Failure is { } brief) _artifacts.WriteBrief($"{context.Directory}/failure_brief.json", brief);
            attempts.Add(context.Record.ToRecord(result.Failure, started.Elapsed));
            if (!result.Failed) return (Attempts.Stages.RedStage.Written(context), attempts, null);
            previous = result.Failure!;
            _lastFailure = previous;
            _session.Health.AttemptFailed();
            _log.WriteLine($"llmc: {_wo.Id} tests first, attempt {attempt}/{author.Attempts} failed at {ExecutorPrompt.StageName(previous.Stage)} ({previous.Code}): {FirstLine(previous.Cause?.Message ?? previous.PrimaryErrorExcerpt)}");
            if (!previous.IsRetryable || result.Fatal) break;
            // The same tests again would be judged the same way: save the call.
            if (context.AnswerHash is { } answer && answer == lastAnswer) break;
            lastAnswer = context.AnswerHash;
        }
        return (null, attempts, previous);
    }

    /// <summary>
    /// The global verification once at the baseline, before the test author: tests that fail there already are named
    /// in a warning (W220) and are not held against the work order's verification later.
    /// </summary>
    private async Task BaselineVerificationAsync(RunContext run, CancellationToken ct)
    {
        var slot = await _session.PrepareAttemptSlotAsync(_baseline, ct, _placement.Slot).ConfigureAwait(false);
        var context = new AttemptContext(run, 0, slot, null) { Role = AttemptRole.Baseline };
        if (Attempts.Stages.VerifyStage.VerifyArgv(context, out _) is null) return;
        _log.WriteLine($"llmc: {_wo.Id}: the global verification at the baseline, before the tests are written");
        var result = await new Attempts.Stages.VerifyStage().RunAsync(context, ct).ConfigureAwait(false);
        if (!result.Failed) return;
        var failing = context.TestResults.Where(t => t.Failed).Select(t => t.FullName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        run.BaselineFailures = failing.ToHashSet(StringComparer.Ordinal);
        run.Warn(DiagnosticCodes.BaselineFailures, failing.Count > 0
            ? $"{_wo.Id}: the global verification already fails at the baseline, in {failing.Count} test(s): {string.Join(", ", failing.Take(5))}{(failing.Count > 5 ? ", …" : "")}; they are not blamed on this work order"
            : $"{_wo.Id}: the global verification already fails at the baseline, with no failing test recorded ({FirstLine(result.Failure!.PrimaryErrorExcerpt)}); its failures will count against the work order");
    }

    /// <summary>The last failure's own diagnostic (with its position, for a parse error), and E212 when attempts ran out or repeated.</summary>
    private List<Diagnostic> FinalDiagnostics(FailureBrief last, bool repeated)
    {
        var final = last.Cause is { } cause
            ? cause with { WoId = _wo.Id, Message = cause.Message.StartsWith(_wo.Id, StringComparison.Ordinal) ? cause.Message : $"{_wo.Id}: {cause.Message}" }
            : DiagnosticCatalog.Create(last.Code, $"{_wo.Id}: {FirstLine(last.PrimaryErrorExcerpt)}", _wo.Id);
        var diagnostics = new List<Diagnostic> { final };
        if (repeated)
        {
            diagnostics.Add(DiagnosticCatalog.Create(DiagnosticCodes.AttemptsExhausted, $"{_wo.Id}: stopped after {_attempts.Count} of {MaxAttempts} attempts: the last two gave the same answer and failed the same way at {ExecutorPrompt.StageName(last.Stage)}", _wo.Id));
        }
        else if (last.IsRetryable && _attempts.Count >= MaxAttempts)
        {
            var all = MaxAttempts == 1 ? "the only attempt" : $"all {MaxAttempts} attempts failed; the last";
            diagnostics.Add(DiagnosticCatalog.Create(DiagnosticCodes.AttemptsExhausted, $"{_wo.Id}: {all} failed at {ExecutorPrompt.StageName(last.Stage)}", _wo.Id));
        }
        return diagnostics;
    }

    private async Task<RunOutcome> LandAsync(RunContext run, (string Id, IReadOnlyList<string> Changed) commit, CancellationToken ct)
    {
        var landing = await new Lander(_session).LandAsync(_baseline, commit.Id, commit.Changed, run.CassetteBlobs,
            () => run.Journal.Append(JournalEvents.Landing, new JsonObject { ["commit"] = commit.Id }), ct).ConfigureAwait(false);
        if (!landing.Landed)
        {
            var d = DiagnosticCatalog.Create(DiagnosticCodes.NotLanded, $"{_wo.Id} passed but was not landed: {landing.Refusal}. The commit {Short(commit.Id)} is kept on branch '{run.BranchName}'.", _wo.Id);
            return Finish(run.Journal, run.WorkOrderSha256, "FAIL", FactoryExitCodes.Fail, null, run.BranchName, [d], null, commit.Id);
        }
        run.Journal.Append(JournalEvents.Landed, new JsonObject { ["commit"] = commit.Id });
        await _session.Git.DeleteBranchAsync(_session.Root, run.BranchName, CancellationToken.None).ConfigureAwait(false);
        return Finish(run.Journal, run.WorkOrderSha256, "PASS", FactoryExitCodes.Pass, commit.Id, null, [], null, commit.Id);
    }

    /// <summary>A passing commit of a parallel or no-land run: kept on its branch for the merge queue, not landed.</summary>
    private async Task<RunOutcome> KeepAsync(RunContext run, string commit, string branch, CancellationToken ct)
    {
        await _session.Git.SetBranchAsync(_session.Root, branch, commit, ct).ConfigureAwait(false);
        run.Journal.Append(JournalEvents.Kept, new JsonObject { ["commit"] = commit, ["branch"] = branch });
        await _session.Git.DeleteBranchAsync(_session.Root, run.BranchName, CancellationToken.None).ConfigureAwait(false);
        return Finish(run.Journal, run.WorkOrderSha256, "PASS", FactoryExitCodes.Pass, null, branch, [], null, commit);
    }

    private RunOutcome Finish(Journal journal, string woSha256, string verdict, int exitCode, string? landed, string? keptBranch, IReadOnlyList<Diagnostic> diagnostics, string? error, string? commit = null)
    {
        var usage = _run?.Usage ?? new RunUsage();
        if (verdict == "FAIL" && _session.Health.WorkOrderFailed(_wo.Id, Health.FailureSignature.Of(_lastFailure?.PrimaryErrorExcerpt)) is { } runLevel)
        {
            _log.WriteLine($"llmc: {runLevel.Code}: {runLevel.Message}");
            diagnostics = [.. diagnostics, runLevel with { WoId = _wo.Id }];
        }
        // A diagnostic that is both the final cause and one of the run's (a review's E228) is reported once.
        var all = diagnostics.Concat(_run?.Warnings ?? []).Distinct().ToList();
        var passed = verdict == "PASS" ? _attempts.LastOrDefault() : null;
        var summary = new RunSummary
        {
            RunId = _runId, WorkOrderId = _wo.Id, WorkOrderSha256 = woSha256, Verdict = verdict, Slot = _placement.Slot,
            TotalAttempts = _attempts.Count, BaselineCommit = _baseline, WorkingBranch = _session.Branch,
            LandedCommit = landed, KeptBranch = keptBranch, Commit = commit,
            Started = _started.ToString("O"), Finished = DateTimeOffset.UtcNow.ToString("O"),
            DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            Llm = new LlmUsageRecord { Calls = usage.Calls, InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens, CostUsd = usage.CostUsd, CostKnown = usage.CostKnown },
            Config = new RunConfigRecord
            {
                LlmModel = Options.Model, LlmTemperature = Options.Temperature, MaxAttempts = MaxAttempts,
                TimeoutSeconds = Options.CommandTimeout.TotalSeconds, RepoRoot = _session.Root, OutDir = _artifacts.Directory,
                Sandbox = _session.Containment.Description, VerifyCommandOverride = Options.VerifyCommandOverride,
                Defaults = new WriteLimitsRecord { MaxFileWriteBytes = WriteProposal.MaxFileBytes, MaxTotalWriteBytes = WriteProposal.MaxTotalBytes, ContextBudgetBytes = Options.ContextBudgetBytes },
            },
            Attempts = [.. _attempts],
            TestsFirst = _testsFirst,
            Difficulty = WorkOrderDifficulties.Format(_wo.DifficultyLevel),
            Escalated = _run?.Escalated ?? false,
            LandedByRole = passed?.Role, LandedByModel = passed?.Model,
            Review = _run is { ReviewRuns: > 0 } reviewed ? new ReviewRecord { Runs = reviewed.ReviewRuns, Blocks = reviewed.ReviewBlocks } : null,
            ByRole = usage.ByRole, ByModel = usage.ByModel,
            Diagnostics = [.. all.Select(d => Redact(d.ToCanonicalString()))],
            Error = error,
        };
        try
        {
            summary.WriteTo(_artifacts);
            journal.Append(JournalEvents.RunFinished, new JsonObject { ["verdict"] = verdict, ["exit_code"] = exitCode });
            if (Options.OutDir is { } outDir) _artifacts.ExportTo(outDir, _runId);
            File.Delete(MarkerPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.WriteLine($"llmc: could not write the artifacts of run {_runId}: {ex.Message}");
        }
        return new RunOutcome
        {
            WorkOrderId = _wo.Id, Verdict = verdict, ExitCode = exitCode, RunId = _runId, LandedCommit = landed, KeptBranch = keptBranch,
            Attempts = _attempts.Count, Duration = _clock.Elapsed, InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens,
            CostUsd = usage.CostUsd, CostKnown = usage.CostKnown, RunDirectory = _artifacts.Directory, Diagnostics = all, Commit = commit,
            Slot = _placement.Slot, Started = _started, Finished = DateTimeOffset.UtcNow,
            Metrics = new Metrics.WorkOrderMetrics
            {
                RunId = _runId, WorkOrderId = _wo.Id, Status = verdict, Difficulty = WorkOrderDifficulties.Format(_wo.DifficultyLevel),
                LandedByRole = passed?.Role, LandedByModel = passed?.Model, Attempts = _attempts.Count + (_testsFirst?.AuthorAttempts.Count ?? 0),
                Escalated = _run?.Escalated ?? false, ReviewRan = (_run?.ReviewRuns ?? 0) > 0, ReviewBlocks = _run?.ReviewBlocks ?? 0,
                Flaky = all.Any(d => d.Code == DiagnosticCodes.Flaky), WallSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
                InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens, CostUsd = usage.CostUsd, CostKnown = usage.CostKnown,
                ByRole = usage.ByRole, ByModel = usage.ByModel,
            },
        };
    }

    private string Redact(string text) => _session.Redactor.Redact(text);

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.Trim().Length > 0 && !l.StartsWith('[') && l.Trim() != "Parse error:") ?? text;
        return line.Length > 300 ? line[..300] + "…" : line.Trim();
    }

    private static string Short(string? sha) => sha is null ? "(none)" : sha[..Math.Min(10, sha.Length)];
}
