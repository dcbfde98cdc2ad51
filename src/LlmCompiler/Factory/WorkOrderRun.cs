using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Isolation;
using LlmCompiler.Factory.Landing;
using LlmCompiler.Factory.Records;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Processes;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory;

/// <summary>
/// One work order from baseline to verdict: attempts in the attempt worktree (precondition gate → prompt → LLM →
/// proposal → write gate → verify → postconditions → acceptance), then on PASS a commit built from the gated bytes
/// alone, with trailers, and a fast-forward of the user's branch. Every step is announced in the journal before it
/// happens.
/// </summary>
internal sealed class WorkOrderRun
{
    // LLM failures another attempt cannot fix: no key, cassette miss, budget gone, broken cassette file, and a
    // transport failure or deadline the call already retried with back-off (retrying the attempt as well would
    // multiply the calls against a failing endpoint: 3 attempts × 4 tries).
    private static readonly HashSet<string> FatalLlmCodes = ["E300", "E301", "E305", "E306", "E308", "E309"];

    /// <summary>The whole run folder (every attempt's prompts, answers and command output) stays below this.</summary>
    internal const long MaxRunFolderBytes = 256L * 1024 * 1024;

    private const string ProposalSchema = """
        {"type":"object","additionalProperties":false,"required":["summary","writes"],"properties":{"summary":{"type":"string"},"writes":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["path","base_sha256","content"],"properties":{"path":{"type":"string"},"base_sha256":{"type":"string"},"content":{"type":"string"}}}}}}
        """;

    private readonly FactorySession _session;
    private readonly WorkOrder _wo;
    private readonly VerifyContract? _verify;
    private readonly ILlmClient _llm;
    private readonly string _baseline;
    private readonly TextWriter _log;
    private readonly IReadOnlyList<(string Directory, string Reason)> _protectedDirectories;
    private readonly string _runId = FactorySession.NewRunId();
    private string _woSha256 = "";
    private readonly RunArtifacts _artifacts;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly List<AttemptRecord> _attempts = [];
    private readonly List<Diagnostic> _warnings = [];
    private readonly List<string> _cassetteKeys = [];
    private CommandFailure? _failure;
    private (string Answer, string Failure)? _lastFailure;
    private string? _lastAnswer;
    private IReadOnlyDictionary<string, string> _cassetteRelativePaths = new Dictionary<string, string>();
    private IReadOnlyDictionary<string, TreeEntry>? _baselineTree;
    private string _objectFormat = "sha1";
    private long _inputTokens;
    private long _outputTokens;
    private decimal _cost;
    private bool _costKnown = true;
    private int _llmCalls;
    private Journal? _journal;

    public WorkOrderRun(FactorySession session, WorkOrder wo, VerifyContract? verify, ILlmClient llm, string baseline, TextWriter log,
        IReadOnlyList<(string Directory, string Reason)> protectedDirectories)
    {
        _session = session;
        _wo = wo;
        _verify = verify;
        _llm = llm;
        _baseline = baseline;
        _log = log;
        _protectedDirectories = protectedDirectories;
        _artifacts = new RunArtifacts(Path.Combine(session.Layout.FactoryRunsDirectory, _runId));
    }

    private FactoryOptions Options => _session.Options;
    private string MarkerPath => Path.Combine(_session.ActiveDir, _runId);
    private string BranchName => "llmc/" + _runId;

    public async Task<RunOutcome> ExecuteAsync(CancellationToken ct)
    {
        _woSha256 = WorkOrderIdentity.Sha256(_wo);
        try
        {
            SafeFile.CreateDirectoryBelow(_session.Root, _artifacts.Directory);
            Directory.CreateDirectory(_session.ActiveDir);
            AtomicFile.WriteAllText(MarkerPath, _artifacts.Directory);
            _journal = Journal.Open(_artifacts.PathOf("journal.jsonl"));
            _journal.Append(JournalEvents.RunStarted, new JsonObject
            {
                ["run_id"] = _runId, ["work_order_id"] = _wo.Id, ["work_order_sha256"] = _woSha256,
                ["baseline"] = _baseline, ["branch"] = _session.Branch, ["pid"] = Environment.ProcessId,
                ["sandbox"] = _session.Containment.Description,
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Disk full, a read-only folder, a link where the run folder belongs: nothing has happened yet.
            _journal?.Dispose();
            try { File.Delete(MarkerPath); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            return RunOutcome.Refused(_wo.Id, [DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable,
                $"{_wo.Id}: cannot create the run folder {_artifacts.Directory}: {ex.Message}; nothing was run", _wo.Id)]);
        }
        try
        {
            _artifacts.WriteJson("work_order.json", JsonNode.Parse(WorkOrderIdentity.CanonicalJson(_wo))!);
            _objectFormat = await _session.Git.ObjectFormatAsync(_session.Root, ct).ConfigureAwait(false);
            _baselineTree = await _session.Git.TreeEntriesAsync(_session.Root, _baseline, ct).ConfigureAwait(false);
            return await LoopAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var d = DiagnosticCatalog.Create("E216", $"{_wo.Id}: run cancelled; the checkout is as it was before the run", _wo.Id);
            return Finish("ERROR", FactoryExitCodes.Cancelled, null, null, [d], "cancelled");
        }
        catch (Exception ex)
        {
            var d = DiagnosticCatalog.Create("E215", $"{_wo.Id}: internal error ({ex.GetType().Name}: {Redact(ex.Message)}); the checkout is as it was before the run", _wo.Id);
            return Finish("ERROR", FactoryExitCodes.Error, null, null, [d], Redact(ex.ToString()));
        }
        finally
        {
            _journal.Dispose();
        }
    }

    private async Task<RunOutcome> LoopAsync(CancellationToken ct)
    {
        FailureBrief? previous = null;
        var repeated = false;
        for (var attempt = 1; attempt <= Options.MaxAttempts; attempt++)
        {
            _lastAnswer = null;
            var (brief, record, commit, fatal) = await RunAttemptAsync(attempt, previous, ct).ConfigureAwait(false);
            _attempts.Add(record);
            if (brief is null && commit is not null) return await LandAsync(commit.Value, ct).ConfigureAwait(false);
            previous = brief;
            _log.WriteLine($"llmc: {_wo.Id} attempt {attempt}/{Options.MaxAttempts} failed at {ExecutorPrompt.StageName(brief!.Stage)} ({brief.Code}): {FirstLine(brief.Cause?.Message ?? brief.PrimaryErrorExcerpt)}");
            if (!brief.IsRetryable || fatal) break;
            // The same answer failing the same way twice will fail again: save the remaining attempts and their cost.
            var signature = _lastAnswer is null ? ((string, string)?)null : (_lastAnswer, brief.Code + "\n" + brief.PrimaryErrorExcerpt);
            if (signature is not null && signature == _lastFailure)
            {
                repeated = true;
                _log.WriteLine($"llmc: {_wo.Id} stopped after attempt {attempt}: the model gave the same answer as before and it failed the same way");
                break;
            }
            _lastFailure = signature;
        }
        var last = previous!;
        var final = last.Cause is { } cause
            ? cause with { WoId = _wo.Id, Message = cause.Message.StartsWith(_wo.Id, StringComparison.Ordinal) ? cause.Message : $"{_wo.Id}: {cause.Message}" }
            : DiagnosticCatalog.Create(last.Code, $"{_wo.Id}: {FirstLine(last.PrimaryErrorExcerpt)}", _wo.Id);
        var diagnostics = new List<Diagnostic> { final };
        if (repeated)
        {
            diagnostics.Add(DiagnosticCatalog.Create("E212", $"{_wo.Id}: stopped after {_attempts.Count} of {Options.MaxAttempts} attempts: the last two gave the same answer and failed the same way at {ExecutorPrompt.StageName(last.Stage)}", _wo.Id));
        }
        else if (last.IsRetryable && _attempts.Count >= Options.MaxAttempts)
        {
            diagnostics.Add(DiagnosticCatalog.Create("E212", $"{_wo.Id}: all {Options.MaxAttempts} attempts failed; the last failed at {ExecutorPrompt.StageName(last.Stage)}", _wo.Id));
        }
        return Finish("FAIL", FactoryExitCodes.Fail, null, null, diagnostics, null);
    }

    private async Task<(FailureBrief? Brief, AttemptRecord Record, (string Id, IReadOnlyList<string> Changed)? Commit, bool Fatal)> RunAttemptAsync(int attempt, FailureBrief? previous, CancellationToken ct)
    {
        var attemptDir = $"attempt_{attempt}";
        var started = Stopwatch.StartNew();
        var record = new AttemptLog(attempt, _baseline);
        FailureBrief? brief = null;
        (string, IReadOnlyList<string>)? commit = null;
        var fatal = false;
        _journal!.Append(JournalEvents.WorktreePreparing, new JsonObject { ["attempt"] = attempt, ["path"] = _session.Layout.Slot("attempt") });
        var slot = await _session.PrepareAttemptSlotAsync(_baseline, ct).ConfigureAwait(false);
        try
        {
            (brief, commit, fatal) = await AttemptStepsAsync(attempt, attemptDir, slot, previous, record, ct).ConfigureAwait(false);
        }
        finally
        {
            if (brief is not null) _artifacts.WriteBrief($"{attemptDir}/failure_brief.json", brief);
            // Rollback is the worktree's next reset: nothing of this attempt ever reached the user's checkout.
            _journal.Append(JournalEvents.AttemptFinished, new JsonObject { ["attempt"] = attempt, ["passed"] = brief is null });
        }
        return (brief, record.ToRecord(brief, started.Elapsed), commit, fatal);
    }

    private async Task<(FailureBrief? Brief, (string Id, IReadOnlyList<string> Changed)? Commit, bool Fatal)> AttemptStepsAsync(
        int attempt, string attemptDir, AttemptSlot slot, FailureBrief? previous, AttemptLog record, CancellationToken ct)
    {
        var worktree = slot.Worktree;
        _failure = new CommandFailure(MachinePaths(slot));
        // Precondition gate: a false precondition is a planner bug; no model call can fix it.
        foreach (var condition in _wo.Preconditions)
        {
            var exists = FileKinds.Of(Path.Combine(worktree, condition.Path)) != FileKind.Missing;
            if (condition.Kind == ConditionKind.FileExists && !exists || condition.Kind == ConditionKind.FileAbsent && exists)
            {
                return (Brief(FailureStage.Preflight, "E204",
                    $"PLANNER-CONTRACT BUG: precondition {condition} is false at the baseline ({(exists ? "the file already exists" : "the file does not exist")})",
                    "Re-plan: the work order's preconditions must hold on the commit it runs on."), null, false);
            }
        }

        _log.WriteLine($"llmc: {_wo.Id} attempt {attempt}/{Options.MaxAttempts}: asking the model{(previous is null ? "" : $" (retry after {previous.Code})")}");
        var prompt = ExecutorPrompt.Build(_wo, worktree, previous, Options.ContextBudgetBytes, _session.Redactor);
        _artifacts.WriteText($"{attemptDir}/executor_prompt.md", prompt);
        _journal!.Append(JournalEvents.LlmCall, new JsonObject { ["attempt"] = attempt });
        var request = new LlmRequest("executor", [LlmMessage.User(prompt)]) { JsonSchemaName = "write_proposal", JsonSchema = ProposalSchema };
        var result = await _llm.CompleteAsync(request, ct).ConfigureAwait(false);
        _llmCalls++;
        if (result.CassetteKey is { } cassetteKey && !_cassetteKeys.Contains(cassetteKey)) _cassetteKeys.Add(cassetteKey);
        _lastAnswer = result.Response is { } answered ? ContentHash.Sha256Hex(answered.Text) : null;
        if (result.Response is not { } response)
        {
            var error = result.Error! with { Message = Redact(result.Error!.Message) };
            var stage = error.Code is "E302" or "E303" or "E304" or "E307" ? FailureStage.LlmOutputInvalid : FailureStage.Exception;
            // The prompt learns what was wrong with the answer, never transport details (endpoints, request ids, server text).
            return (Brief(stage, error.Code, ModelFacingLlmFailure(error), "The model call failed; the harness will retry if the failure is transient.") with { Cause = error },
                null, FatalLlmCodes.Contains(error.Code));
        }
        _inputTokens += response.InputTokens;
        _outputTokens += response.OutputTokens;
        _cost += response.CostUsd;
        _costKnown &= response.PriceKnown;

        var rawPath = _artifacts.PathOf($"{attemptDir}/raw_llm_response.txt");
        _artifacts.WriteText($"{attemptDir}/raw_llm_response.txt", Redact(response.Text));
        var (proposal, invalid) = ExecutorAnswer.Parse(response.Text, rawPath);
        if (proposal is null)
        {
            return (Brief(invalid!.Stage, invalid.Code, Redact(invalid.Message),
                "Answer with exactly one JSON object {summary, writes:[{path, base_sha256, content}]}, no prose or fences.") with { Cause = invalid.Cause }, null, false);
        }
        _artifacts.WriteText($"{attemptDir}/proposed_writes.json", Redact(System.Text.Json.JsonSerializer.Serialize(proposal, ContractJsonContext.Files.WriteProposal)) + "\n");
        record.ProposalPath = _artifacts.PathOf($"{attemptDir}/proposed_writes.json");

        _journal.Append(JournalEvents.WritesApplying, new JsonObject { ["attempt"] = attempt, ["paths"] = new JsonArray([.. proposal.Writes.Take(1000).Select(w => (JsonNode)w.Path)]) });
        var submodules = _baselineTree!.Values.Where(e => e.IsSubmodule).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        var policy = new WriteGatePolicy(_wo.AllowedFiles)
        {
            ProtectedDirectories = _protectedDirectories,
            IgnoredPaths = await IgnoredPathsAsync(worktree, proposal, submodules, ct).ConfigureAwait(false),
            SubmodulePaths = submodules,
            Secrets = _session.Redactor,
        };
        var gate = WriteGate.Apply(proposal, policy, worktree);
        record.TouchedFiles = [.. gate.TouchedFiles];
        record.WriteOk = gate.Ok;
        _artifacts.WriteRecord($"{attemptDir}/write_result.json", new WriteResultRecord
        {
            WriteOk = gate.Ok, TouchedFiles = [.. gate.TouchedFiles],
            Errors = gate.Failure is null ? [] : [FailureBrief.Truncate(gate.Failure.Message)],
        }, FactoryJsonContext.Default.WriteResultRecord);
        if (gate.Failure is { } refused)
        {
            return (Brief(refused.Stage, refused.Code, refused.Message,
                $"Write only these files: {string.Join(", ", _wo.AllowedFiles)}; use the sha256 shown for each file as base_sha256.")
                with { Cause = refused.Cause ?? DiagnosticCatalog.Create(refused.Code, $"{_wo.Id}: {FailureBrief.Truncate(refused.Message)}", _wo.Id) }, null, false);
        }

        // The commit is built from these blobs alone, stored now, before any model-written code runs.
        var blobs = await StoreGatedBlobsAsync(worktree, gate.Written, ct).ConfigureAwait(false);

        var commands = new AttemptCommands(_session, slot, _session.Redactor);
        var (commandBrief, fatalCommand) = await RunCommandsAsync(attemptDir, commands, worktree, record, ct).ConfigureAwait(false);
        if (commandBrief is not null) return (commandBrief, null, fatalCommand);

        // PASS: a commit of exactly the gated bytes on the baseline, with the trailers run-all uses to recognise finished work.
        _journal.Append(JournalEvents.Committing, new JsonObject { ["attempt"] = attempt });
        var entries = blobs.Select(b => new TreeEntry(_baselineTree.TryGetValue(b.Path, out var old) && old.Mode is "100755" or "100644" ? old.Mode : "100644", b.ObjectId, b.Path)).ToList();
        var (cassetteEntries, cassetteDirectory) = await RecordedCassettesAsync(ct).ConfigureAwait(false);
        entries.AddRange(cassetteEntries);
        var expected = entries.Where(e => !_baselineTree.TryGetValue(e.Path, out var old) || old.ObjectId != e.ObjectId || old.Mode != e.Mode)
            .Select(e => e.Path).Order(StringComparer.Ordinal).ToList();
        var commit = await _session.Git.CommitTreeAsync(_session.Root, _session.Layout.CommitScratchDirectory, _baseline, entries, CommitMessage(proposal, response, cassetteDirectory), ct).ConfigureAwait(false);
        var changed = await _session.Git.ChangedPathsAsync(_session.Root, _baseline, commit, ct).ConfigureAwait(false);
        if (!changed.SequenceEqual(expected, StringComparer.Ordinal))
        {
            return (Brief(FailureStage.Exception, DiagnosticCodes.LandedWorkMismatch,
                $"the commit built from the gated writes changes [{string.Join(", ", changed.Take(20))}] instead of exactly [{string.Join(", ", expected.Take(20))}]; it was not landed",
                "Internal consistency check failed; the run stopped."), null, true);
        }
        // Journaled before the branch exists: a crash in between leaves recovery a commit id it can keep or land.
        _journal.Append(JournalEvents.Committed, new JsonObject { ["attempt"] = attempt, ["commit"] = commit, ["branch"] = BranchName });
        await _session.Git.CreateBranchAsync(_session.Root, BranchName, commit, ct).ConfigureAwait(false);
        return (null, (commit, changed), false);
    }

    /// <summary>
    /// The cassettes this work order's calls were recorded to (every attempt's, so a replay can retry the same way),
    /// when the cassette folder is inside the repository: they land in the work order's commit, so a fresh clone
    /// replays the work order with no key. They are the tool's own files, never the model's.
    /// </summary>
    private async Task<(IReadOnlyList<TreeEntry> Entries, string? Directory)> RecordedCassettesAsync(CancellationToken ct)
    {
        if (Options.CassettesDirectory is not { } folder || _cassetteKeys.Count == 0) return ([], null);
        var full = Path.GetFullPath(folder);
        if (!PhysicalPath.IsInside(full, _session.Root) || PhysicalPath.IsInside(_session.Root, full)) return ([], null);
        var relativeFolder = Path.GetRelativePath(_session.Root, full).Replace('\\', '/');
        var files = _cassetteKeys.Select(k => Cassette.FileNameFor("executor", k))
            .Where(name => FileKinds.Of(Path.Combine(full, name)) == FileKind.Regular)
            .Select(name => relativeFolder + "/" + name)
            .Where(path => RepoPath.IsValid(path))
            .Distinct(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return ([], null);
        var ids = await _session.Git.StoreBlobsAsync(_session.Root, files, ct).ConfigureAwait(false);
        _cassetteRelativePaths = files.Select((path, i) => (path, ids[i])).ToDictionary(p => p.path, p => p.Item2, StringComparer.Ordinal);
        return ([.. files.Select((path, i) => new TreeEntry("100644", ids[i], path))], relativeFolder);
    }

    /// <summary>Stores the written files as blobs and proves each holds exactly the gated bytes.</summary>
    private async Task<IReadOnlyList<(string Path, string ObjectId)>> StoreGatedBlobsAsync(string worktree, IReadOnlyList<GatedFile> written, CancellationToken ct)
    {
        var ids = await _session.Git.StoreBlobsAsync(worktree, [.. written.Select(w => w.Path)], ct).ConfigureAwait(false);
        var blobs = new List<(string, string)>();
        for (var i = 0; i < written.Count; i++)
        {
            var expected = GitObjectId.Blob(written[i].Bytes, _objectFormat);
            if (!string.Equals(ids[i], expected, StringComparison.Ordinal))
            {
                throw new IOException($"{written[i].Path} changed between the write and its hashing (blob {ids[i]}, expected {expected})");
            }
            blobs.Add((written[i].Path, expected));
        }
        return blobs;
    }

    /// <summary>Proposal paths that git ignores at the baseline (judged in the attempt worktree, before anything is written).</summary>
    private async Task<IReadOnlySet<string>> IgnoredPathsAsync(string worktree, WriteProposal proposal, IReadOnlySet<string> submodules, CancellationToken ct)
    {
        // Paths inside a submodule are the gate's to refuse; git check-ignore rejects them outright.
        var candidates = proposal.Writes.Select(w => w.Path)
            .Where(p => WriteGate.PathProblem(p) is null && !submodules.Any(s => p == s || p.StartsWith(s + "/", StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal).ToList();
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Count == 0) return ignored;
        var stdin = Encoding.UTF8.GetBytes(string.Concat(candidates.Select(p => p + "\0")));
        var check = await _session.Git.TryRunAsync(worktree, ["check-ignore", "-z", "--stdin"], ct, new GitInput(stdin)).ConfigureAwait(false);
        // Exit 1 means "none ignored"; 0 lists them; anything else is a git failure, which must not let paths through.
        if (check.ExitCode is not (0 or 1) || check.Stdout is null) throw new IOException($"git check-ignore failed: {check.StderrTail.Trim()}");
        foreach (var path in Encoding.UTF8.GetString(check.Stdout).Split('\0', StringSplitOptions.RemoveEmptyEntries)) ignored.Add(path);
        return ignored;
    }

    /// <summary>Global verification, postconditions, acceptance: the first failure's brief, or null when all pass.</summary>
    private async Task<(FailureBrief? Brief, bool Fatal)> RunCommandsAsync(string attemptDir, AttemptCommands commands, string worktree, AttemptLog record, CancellationToken ct)
    {
        // Global verification, unless the work order is (legitimately) verify-exempt.
        var verifyResults = record.Verify;
        var verifyArgv = VerifyArgv(out var verifyError);
        if (verifyError is not null) return (Brief(FailureStage.VerifyFailed, "E209", verifyError, "Fix the verify contract's command."), false);
        if (verifyArgv is not null)
        {
            var (r, outside) = await RunCommandAsync(commands, verifyArgv, $"{attemptDir}/verify_1", ct).ConfigureAwait(false);
            verifyResults.Add(CmdRecord(r));
            _artifacts.WriteRecord($"{attemptDir}/verify_result.json", verifyResults, FactoryJsonContext.Default.ListCommandRecord);
            if (outside is not null) return (outside, true);
            if (!r.Succeeded)
            {
                return (CommandBrief(FailureStage.VerifyFailed, "E209", r, string.Join(' ', verifyArgv), "Global verification must pass before acceptance."), false);
            }
        }

        var acceptance = record.Acceptance;
        foreach (var condition in _wo.Postconditions.Where(c => c.Kind == ConditionKind.FileExists))
        {
            if (FileKinds.Of(Path.Combine(worktree, condition.Path)) == FileKind.Missing)
            {
                _artifacts.WriteRecord($"{attemptDir}/acceptance_result.json", acceptance, FactoryJsonContext.Default.ListCommandRecord);
                return (Brief(FailureStage.AcceptanceFailed, "E210", $"Postcondition {condition} is false after the writes: {condition.Path} does not exist",
                    $"Create {condition.Path}; it is one of the files you may write."), false);
            }
        }
        for (var k = 0; k < _wo.AcceptanceCommands.Count; k++)
        {
            var command = _wo.AcceptanceCommands[k];
            if (!CommandLine.TrySplit(command, out var argv, out var splitError))
            {
                return (Brief(FailureStage.AcceptanceFailed, "E211", $"Failed to parse acceptance command '{command}': {splitError}", "Acceptance commands are argv, no shell.", command), false);
            }
            var (r, outside) = await RunCommandAsync(commands, argv, $"{attemptDir}/acceptance_{k + 1}", ct).ConfigureAwait(false);
            acceptance.Add(CmdRecord(r));
            _artifacts.WriteRecord($"{attemptDir}/acceptance_result.json", acceptance, FactoryJsonContext.Default.ListCommandRecord);
            if (outside is not null) return (outside, true);
            if (!r.Succeeded)
            {
                return (CommandBrief(FailureStage.AcceptanceFailed, "E211", r, command, "Every acceptance command must exit 0."), false);
            }
        }
        if (_wo.AcceptanceCommands.Count == 0) _artifacts.WriteRecord($"{attemptDir}/acceptance_result.json", acceptance, FactoryJsonContext.Default.ListCommandRecord);

        return (null, false);
    }

    /// <summary>Runs one command; the second value is the fatal brief when the command changed anything outside its worktree.</summary>
    private async Task<(ProcessResult Result, FailureBrief? Outside)> RunCommandAsync(AttemptCommands commands, IReadOnlyList<string> argv, string stem, CancellationToken ct)
    {
        _journal!.Append(JournalEvents.Command, new JsonObject { ["argv"] = new JsonArray([.. argv.Select(a => (JsonNode)Redact(a))]) });
        _log.WriteLine($"llmc: {_wo.Id}: running {Redact(string.Join(' ', argv))}{(_session.Sandboxed ? " (sandboxed)" : "")}");
        var remaining = MaxRunFolderBytes - _artifacts.SizeOnDisk();
        var storeOutput = remaining > 1024 * 1024;
        if (!storeOutput) Warn(DiagnosticCodes.OutputCapped, $"{_wo.Id}: the run folder reached {MaxRunFolderBytes / (1024 * 1024)} MiB; the output of '{string.Join(' ', argv)}' is kept in memory only (its tail is in the summary)");
        string? marker = null;
        var run = await commands.RunAsync(argv,
            storeOutput ? _artifacts.PathOf(stem + "_stdout.txt") : null,
            storeOutput ? _artifacts.PathOf(stem + "_stderr.txt") : null,
            started =>
            {
                marker = started.Marker;
                _journal.Append(JournalEvents.CommandStarted, new JsonObject { ["pid"] = started.Pid, ["start"] = started.StartTime.ToString("O"), ["marker"] = started.Marker });
            }, ct).ConfigureAwait(false);
        if (marker is not null) _journal.Append(JournalEvents.CommandFinished, new JsonObject { ["marker"] = marker, ["exit_code"] = run.Result.ExitCode, ["leftovers_killed"] = run.Result.LeftoversKilled });
        if (run.Result.DroppedOutputBytes > 0)
        {
            Warn(DiagnosticCodes.OutputCapped, $"{_wo.Id}: '{string.Join(' ', argv)}' printed more than {ProcessSpec.DefaultMaxStoredBytes / (1024 * 1024)} MiB on a stream; {run.Result.DroppedOutputBytes:N0} bytes from the middle were not stored");
        }
        if (run.OutsideChanges.Count > 0)
        {
            var changes = string.Join("; ", run.OutsideChanges.Take(20)) + (run.OutsideChanges.Count > 20 ? $"; … ({run.OutsideChanges.Count - 20} more)" : "");
            return (run.Result, Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.ChangedOutsideWorktree,
                $"'{string.Join(' ', argv)}' changed files outside the attempt worktree: {changes}. The run stopped.",
                "Commands may only write inside the repository's working tree.", string.Join(' ', argv), run.Result.ExitCode));
        }
        return (run.Result, null);
    }

    private async Task<RunOutcome> LandAsync((string Id, IReadOnlyList<string> Changed) commit, CancellationToken ct)
    {
        var landing = await new Lander(_session).LandAsync(_baseline, commit.Id, commit.Changed, _cassetteRelativePaths,
            () => _journal!.Append(JournalEvents.Landing, new JsonObject { ["commit"] = commit.Id }), ct).ConfigureAwait(false);
        if (!landing.Landed)
        {
            var d = DiagnosticCatalog.Create("E213", $"{_wo.Id} passed but was not landed: {landing.Refusal}. The commit {Short(commit.Id)} is kept on branch '{BranchName}'.", _wo.Id);
            return Finish("FAIL", FactoryExitCodes.Fail, null, BranchName, [d], null, commit.Id);
        }
        _journal!.Append(JournalEvents.Landed, new JsonObject { ["commit"] = commit.Id });
        await _session.Git.DeleteBranchAsync(_session.Root, BranchName, CancellationToken.None).ConfigureAwait(false);
        return Finish("PASS", FactoryExitCodes.Pass, commit.Id, null, [], null, commit.Id);
    }

    private string CommitMessage(WriteProposal proposal, LlmResponse response, string? cassetteDirectory)
    {
        var title = OneLine(_wo.Title, 200);
        // One line, so nothing the model wrote can pose as a trailer block.
        var summary = OneLine(Redact(proposal.Summary), 500);
        var body = summary.Length == 0 ? "" : summary + "\n\n";
        var model = OneLine(response.Model, 100);
        return $"{_wo.Id}: {title}\n\n{body}Work-Order: {_wo.Id}\nLlmc-Run: {_runId}\nWork-Order-Sha256: {_woSha256}\n"
            + (model.Length == 0 ? "" : $"Llmc-Model: {model}\n")
            + (_wo.Provenance?.PlannerRunId is { Length: > 0 } planRun && planRun.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? $"{PlanBaseline.PlanTrailer}: {planRun}\n" : "")
            + (cassetteDirectory is null ? "" : $"{LandedWorkOrders.CassettesTrailer}: {cassetteDirectory}\n");
    }

    private static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.ReplaceLineEndings(" ").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return line.Length > max ? line[..max] + "…" : line;
    }

    private RunOutcome Finish(string verdict, int exitCode, string? landed, string? keptBranch, IReadOnlyList<Diagnostic> diagnostics, string? error, string? commit = null)
    {
        var all = diagnostics.Concat(_warnings).ToList();
        var summary = new RunSummary
        {
            RunId = _runId, WorkOrderId = _wo.Id, WorkOrderSha256 = _woSha256, Verdict = verdict,
            TotalAttempts = _attempts.Count, BaselineCommit = _baseline, WorkingBranch = _session.Branch,
            LandedCommit = landed, KeptBranch = keptBranch, Commit = commit,
            Started = _started.ToString("O"), Finished = DateTimeOffset.UtcNow.ToString("O"),
            DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            Llm = new LlmUsageRecord { Calls = _llmCalls, InputTokens = _inputTokens, OutputTokens = _outputTokens, CostUsd = _cost, CostKnown = _costKnown },
            Config = new RunConfigRecord
            {
                LlmModel = Options.Model, LlmTemperature = Options.Temperature, MaxAttempts = Options.MaxAttempts,
                TimeoutSeconds = Options.CommandTimeout.TotalSeconds, RepoRoot = _session.Root, OutDir = _artifacts.Directory,
                Sandbox = _session.Containment.Description, VerifyCommandOverride = Options.VerifyCommandOverride,
                Defaults = new WriteLimitsRecord { MaxFileWriteBytes = WriteProposal.MaxFileBytes, MaxTotalWriteBytes = WriteProposal.MaxTotalBytes, ContextBudgetBytes = Options.ContextBudgetBytes },
            },
            Attempts = [.. _attempts],
            Diagnostics = [.. all.Select(d => Redact(d.ToCanonicalString()))],
            Error = error,
        };
        try
        {
            summary.WriteTo(_artifacts);
            _journal?.Append(JournalEvents.RunFinished, new JsonObject { ["verdict"] = verdict, ["exit_code"] = exitCode });
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
            Attempts = _attempts.Count, Duration = _clock.Elapsed, InputTokens = _inputTokens, OutputTokens = _outputTokens, CostUsd = _cost, CostKnown = _costKnown,
            RunDirectory = _artifacts.Directory, Diagnostics = all,
        };
    }

    private void Warn(string code, string message)
    {
        var warning = DiagnosticCatalog.Create(code, message, _wo.Id);
        _warnings.Add(warning);
        _log.WriteLine(warning.ToCanonicalString());
    }

    private IReadOnlyList<string>? VerifyArgv(out string? error)
    {
        error = null;
        if (_wo.VerifyExempt) return null;
        if (Options.VerifyCommandOverride is { Count: > 0 } over) return over;
        if (_verify is null || string.IsNullOrWhiteSpace(_verify.Command)) return null;
        if (CommandLine.TrySplit(_verify.Command, out var argv, out var splitError)) return argv;
        error = $"cannot parse the verify contract's command '{_verify.Command}': {splitError}";
        return null;
    }

    /// <summary>What the next prompt is told about a failed model call: the kind of failure, never transport details.</summary>
    private static string ModelFacingLlmFailure(Diagnostic error) => error.Code switch
    {
        "E302" => "Your previous answer was cut off at the output token limit, so it was incomplete. Answer with less: write only the files the work order needs.",
        "E303" => "Your previous answer was not a parseable JSON object.",
        "E304" => "Your previous answer was a refusal or was stopped by the content filter.",
        "E307" => "Your previous answer was larger than the 10 MiB limit.",
        _ => $"The previous model call failed ({error.Code}: {DiagnosticCatalog.Get(error.Code).Title}).",
    };

    private CommandRecord CmdRecord(ProcessResult r) => new()
    {
        Command = [.. r.Argv.Select(Redact)],
        ExitCode = r.ExitCode,
        TimedOut = r.TimedOut,
        StdoutTrunc = Redact(FailureBrief.Truncate(r.StdoutTail)),
        StderrTrunc = Redact(FailureBrief.Truncate(r.StderrTail)),
        StdoutPath = r.StdoutPath,
        StderrPath = r.StderrPath,
        DurationSeconds = Math.Round(r.Duration.TotalSeconds, 3),
    };

    /// <summary>
    /// A failed command's brief: the excerpt keeps every error line and the tail within the budget, normalised so the
    /// retry prompt is identical on every machine; the diagnostic names the first real error, not the first line.
    /// </summary>
    private FailureBrief CommandBrief(FailureStage stage, string code, ProcessResult r, string command, string reminder)
    {
        var failure = _failure!;
        var stdout = Redact(r.StdoutTail);
        var stderr = Redact(r.StderrTail);
        var what = r.TimedOut ? $"timed out after {Options.CommandTimeout.TotalSeconds:0} s" : r.LaunchError is { } launch ? $"could not start: {launch}" : $"exit code {r.ExitCode}";
        var first = failure.FirstError(stdout, stderr) ?? LastMeaningfulLine(failure.Normalize(stderr)) ?? LastMeaningfulLine(failure.Normalize(stdout));
        var cause = DiagnosticCatalog.Create(code, $"{_wo.Id}: '{command}' failed ({what}){(first is null ? "" : ": " + first)}", _wo.Id);
        return Brief(stage, code, failure.Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars), reminder, command, r.ExitCode) with { Cause = cause };
    }

    private static string? LastMeaningfulLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith('['));

    private static FailureBrief Brief(FailureStage stage, string code, string excerpt, string reminder, string? command = null, int? exitCode = null) => new()
    {
        Stage = stage, Code = code, Command = command, ExitCode = exitCode,
        PrimaryErrorExcerpt = FailureBrief.Truncate(excerpt), ConstraintsReminder = reminder,
    };

    private string Redact(string text) => _session.Redactor.Redact(text);

    /// <summary>Folders whose absolute path differs per machine and checkout, and the stable token each becomes in briefs.</summary>
    private IEnumerable<(string, string)> MachinePaths(AttemptSlot slot)
    {
        yield return (slot.Worktree, "");
        yield return (PhysicalPath.Resolve(slot.Worktree), "");
        yield return (slot.ScratchTmp, "$TMPDIR");
        yield return (slot.ScratchHome, "$HOME");
        yield return (_session.Layout.SandboxPackagesDirectory, "$NUGET_PACKAGES");
        yield return (_session.Root, "$CHECKOUT");
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages) yield return (packages, "$NUGET_FALLBACK_PACKAGES");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 1) yield return (home, "~");
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && Path.GetDirectoryName(host) is { Length: > 1 } dotnetRoot) yield return (dotnetRoot, "$DOTNET_ROOT");
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.Trim().Length > 0 && !l.StartsWith('[') && l.Trim() != "Parse error:") ?? text;
        return line.Length > 300 ? line[..300] + "…" : line.Trim();
    }

    private static string Short(string? sha) => sha is null ? "(none)" : sha[..Math.Min(10, sha.Length)];
}
