using LlmCompiler.Validation;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Processes;

namespace LlmCompiler.Factory;

/// <summary>
/// One work order from baseline to verdict: attempts in fresh worktrees (precondition gate → prompt → LLM →
/// proposal → write gate → verify → postconditions → acceptance), then on PASS a scoped commit with trailers
/// and a fast-forward of the user's branch. Every step is announced in the journal before it happens.
/// </summary>
internal sealed class WorkOrderRun
{
    // LLM failures that retrying cannot fix: no key, cassette miss, budget gone, broken cassette file.
    private static readonly HashSet<string> FatalLlmCodes = ["E300", "E305", "E306", "E309"];

    private const string ProposalSchema = """
        {"type":"object","additionalProperties":false,"required":["summary","writes"],"properties":{"summary":{"type":"string"},"writes":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["path","base_sha256","content"],"properties":{"path":{"type":"string"},"base_sha256":{"type":"string"},"content":{"type":"string"}}}}}}
        """;

    private readonly FactorySession _session;
    private readonly WorkOrder _wo;
    private readonly VerifyContract? _verify;
    private readonly ILlmClient _llm;
    private readonly string _baseline;
    private readonly TextWriter _log;
    private readonly string _runId = FactorySession.NewRunId();
    private string _woSha256 = "";
    private readonly RunArtifacts _artifacts;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly JsonArray _attempts = [];
    private readonly List<string> _secrets = [];
    private long _inputTokens;
    private long _outputTokens;
    private decimal _cost;
    private int _llmCalls;
    private Journal? _journal;

    public WorkOrderRun(FactorySession session, WorkOrder wo, VerifyContract? verify, ILlmClient llm, string baseline, TextWriter log)
    {
        _session = session;
        _wo = wo;
        _verify = verify;
        _llm = llm;
        _baseline = baseline;
        _log = log;
        _artifacts = new RunArtifacts(Path.Combine(session.Root, FactorySession.ArtifactRoot, _runId));
        if (session.Options.ApiKeyVariable is { } keyVariable && Environment.GetEnvironmentVariable(keyVariable) is { Length: > 0 } key) _secrets.Add(key);
    }

    private FactoryOptions Options => _session.Options;
    private string MarkerPath => Path.Combine(_session.ActiveDir, _runId);
    private string BranchName => "llmc/" + _runId;

    public async Task<RunOutcome> ExecuteAsync(CancellationToken ct)
    {
        _woSha256 = WorkOrderIdentity.Sha256(_wo);
        Directory.CreateDirectory(_artifacts.Directory);
        Directory.CreateDirectory(_session.ActiveDir);
        AtomicFile.WriteAllText(MarkerPath, _artifacts.Directory);
        _journal = Journal.Open(_artifacts.PathOf("journal.jsonl"));
        try
        {
            _journal.Append("run_started", new JsonObject
            {
                ["run_id"] = _runId, ["work_order_id"] = _wo.Id, ["work_order_sha256"] = _woSha256,
                ["baseline"] = _baseline, ["branch"] = _session.Branch, ["pid"] = Environment.ProcessId,
            });
            _artifacts.WriteJson("work_order.json", System.Text.Json.Nodes.JsonNode.Parse(WorkOrderIdentity.CanonicalJson(_wo))!);
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
        for (var attempt = 1; attempt <= Options.MaxAttempts; attempt++)
        {
            var (brief, record, commit, fatal) = await RunAttemptAsync(attempt, previous, ct).ConfigureAwait(false);
            _attempts.Add(record);
            if (brief is null && commit is not null) return await LandAsync(commit, ct).ConfigureAwait(false);
            previous = brief;
            _log.WriteLine($"llmc: {_wo.Id} attempt {attempt}/{Options.MaxAttempts} failed at {ExecutorPrompt.StageName(brief!.Stage)} ({brief.Code}): {FirstLine(brief.PrimaryErrorExcerpt)}");
            if (!brief.IsRetryable || fatal) break;
        }
        var last = previous!;
        var diagnostics = new List<Diagnostic> { DiagnosticCatalog.Create(last.Code, $"{_wo.Id}: {FirstLine(last.PrimaryErrorExcerpt)}", _wo.Id) };
        if (last.IsRetryable && _attempts.Count >= Options.MaxAttempts)
        {
            diagnostics.Add(DiagnosticCatalog.Create("E212", $"{_wo.Id}: all {Options.MaxAttempts} attempts failed; the last failed at {ExecutorPrompt.StageName(last.Stage)}", _wo.Id));
        }
        return Finish("FAIL", FactoryExitCodes.Fail, null, null, diagnostics, null);
    }

    private async Task<(FailureBrief? Brief, JsonObject Record, string? Commit, bool Fatal)> RunAttemptAsync(int attempt, FailureBrief? previous, CancellationToken ct)
    {
        var attemptDir = $"attempt_{attempt}";
        var started = Stopwatch.StartNew();
        var record = new JsonObject
        {
            ["attempt_index"] = attempt, ["baseline_commit"] = _baseline, ["proposal_path"] = "",
            ["touched_files"] = new JsonArray(), ["write_ok"] = false, ["verify"] = new JsonArray(), ["acceptance"] = new JsonArray(),
        };
        FailureBrief? brief = null;
        string? commit = null;
        var fatal = false;
        _journal!.Append("worktree_preparing", new JsonObject { ["attempt"] = attempt, ["path"] = _session.AttemptWorktree });
        var worktree = await _session.PrepareAttemptWorktreeAsync(_baseline, ct).ConfigureAwait(false);
        try
        {
            (brief, commit, fatal) = await AttemptStepsAsync(attempt, attemptDir, worktree, previous, record, ct).ConfigureAwait(false);
        }
        finally
        {
            if (brief is not null) _artifacts.WriteBrief($"{attemptDir}/failure_brief.json", brief);
            record["failure_brief"] = RunArtifacts.BriefNode(brief);
            record["duration_seconds"] = Math.Round(started.Elapsed.TotalSeconds, 3);
            // Rollback is the worktree's next reset: nothing of this attempt ever reached the user's checkout.
            _journal.Append("attempt_finished", new JsonObject { ["attempt"] = attempt, ["passed"] = brief is null });
        }
        return (brief, record, commit, fatal);
    }

    private async Task<(FailureBrief? Brief, string? Commit, bool Fatal)> AttemptStepsAsync(int attempt, string attemptDir, string worktree, FailureBrief? previous, JsonObject record, CancellationToken ct)
    {
        // Precondition gate: a false precondition is a planner bug; no model call can fix it.
        foreach (var condition in _wo.Preconditions)
        {
            var exists = File.Exists(Path.Combine(worktree, condition.Path));
            if (condition.Kind == ConditionKind.FileExists && !exists || condition.Kind == ConditionKind.FileAbsent && exists)
            {
                return (Brief(FailureStage.Preflight, "E204",
                    $"PLANNER-CONTRACT BUG: precondition {condition} is false at the baseline ({(exists ? "the file already exists" : "the file does not exist")})",
                    "Re-plan: the work order's preconditions must hold on the commit it runs on."), null, false);
            }
        }

        var prompt = ExecutorPrompt.Build(_wo, worktree, previous, Options.ContextBudgetBytes, _secrets);
        _artifacts.WriteText($"{attemptDir}/executor_prompt.md", prompt);
        _journal!.Append("llm_call", new JsonObject { ["attempt"] = attempt });
        var request = new LlmRequest("executor", [LlmMessage.User(prompt)]) { JsonSchemaName = "write_proposal", JsonSchema = ProposalSchema };
        var result = await _llm.CompleteAsync(request, ct).ConfigureAwait(false);
        _llmCalls++;
        if (result.Response is not { } response)
        {
            var error = result.Error!;
            var stage = error.Code is "E302" or "E303" or "E304" or "E307" ? FailureStage.LlmOutputInvalid : FailureStage.Exception;
            return (Brief(stage, error.Code, Redact(error.Message), "The model call failed; the harness will retry if the failure is transient."), null, FatalLlmCodes.Contains(error.Code));
        }
        _inputTokens += response.InputTokens;
        _outputTokens += response.OutputTokens;
        _cost += response.CostUsd;

        var rawPath = _artifacts.PathOf($"{attemptDir}/raw_llm_response.txt");
        _artifacts.WriteText($"{attemptDir}/raw_llm_response.txt", Redact(response.Text));
        var (proposal, invalid) = ExecutorAnswer.Parse(response.Text, rawPath);
        if (proposal is null)
        {
            return (Brief(invalid!.Stage, invalid.Code, Redact(invalid.Message),
                "Answer with exactly one JSON object {summary, writes:[{path, base_sha256, content}]}, no prose or fences."), null, false);
        }
        _artifacts.WriteText($"{attemptDir}/proposed_writes.json", System.Text.Json.JsonSerializer.Serialize(proposal, ContractJsonContext.Files.WriteProposal) + "\n");
        record["proposal_path"] = _artifacts.PathOf($"{attemptDir}/proposed_writes.json");

        _journal.Append("writes_applying", new JsonObject { ["attempt"] = attempt, ["paths"] = new JsonArray([.. proposal.Writes.Select(w => (JsonNode)w.Path)]) });
        var gate = WriteGate.Apply(proposal, _wo.AllowedFiles, worktree);
        record["touched_files"] = new JsonArray([.. gate.TouchedFiles.Select(p => (JsonNode)p)]);
        record["write_ok"] = gate.Ok;
        _artifacts.WriteJson($"{attemptDir}/write_result.json", new JsonObject
        {
            ["write_ok"] = gate.Ok,
            ["touched_files"] = new JsonArray([.. gate.TouchedFiles.Select(p => (JsonNode)p)]),
            ["errors"] = gate.Failure is null ? new JsonArray() : new JsonArray(FailureBrief.Truncate(gate.Failure.Message)),
        });
        if (gate.Failure is { } refused)
        {
            return (Brief(refused.Stage, refused.Code, refused.Message,
                $"Write only these files: {string.Join(", ", _wo.AllowedFiles)}; use the sha256 shown for each file as base_sha256."), null, false);
        }

        var guard = GitStateGuard.Take(_session.CommonDir, Path.Combine(_session.CommonDir, "worktrees", Path.GetFileName(worktree)));
        var (commandBrief, fatalCommand) = await RunCommandsAsync(attemptDir, worktree, record, ct).ConfigureAwait(false);
        var tampered = guard.RestoreChanges();
        if (tampered.Count > 0)
        {
            // Code written by the model tried to plant something that runs later, outside our checks. Stop the run.
            return (Brief(FailureStage.AcceptanceFailed, "E211", $"Verify/acceptance commands modified protected git state ({string.Join(", ", tampered)}); the original bytes were restored and the run stopped.",
                "Never touch .git: hooks, config and attributes are off limits."), null, true);
        }
        if (commandBrief is not null) return (commandBrief, null, fatalCommand);

        // PASS: commit exactly the touched files, with the trailers run-all uses to recognise finished work.
        var title = _wo.Title.ReplaceLineEndings(" ").Trim();
        var message = $"{_wo.Id}: {title}\n\nWork-Order: {_wo.Id}\nLlmc-Run: {_runId}\nWork-Order-Sha256: {_woSha256}\n";
        _journal.Append("committing", new JsonObject { ["attempt"] = attempt });
        var commit = await _session.Git.CommitPathsAsync(worktree, gate.TouchedFiles, message, ct).ConfigureAwait(false);
        // The branch keeps the commit reachable whatever happens next (crash, refused fast-forward).
        await _session.Git.CreateBranchAsync(_session.Root, BranchName, commit, ct).ConfigureAwait(false);
        _journal.Append("committed", new JsonObject { ["attempt"] = attempt, ["commit"] = commit, ["branch"] = BranchName });
        return (null, commit, false);
    }

    /// <summary>Global verification, postconditions, acceptance: the first failure's brief, or null when all pass.</summary>
    private async Task<(FailureBrief? Brief, bool Fatal)> RunCommandsAsync(string attemptDir, string worktree, JsonObject record, CancellationToken ct)
    {
        // Global verification, unless the work order is (legitimately) verify-exempt.
        var verifyResults = (JsonArray)record["verify"]!;
        var verifyArgv = VerifyArgv(out var verifyError);
        if (verifyError is not null) return (Brief(FailureStage.VerifyFailed, "E209", verifyError, "Fix the verify contract's command."), false);
        if (verifyArgv is not null)
        {
            var r = await RunCommandAsync(verifyArgv, worktree, $"{attemptDir}/verify_1", ct).ConfigureAwait(false);
            verifyResults.Add(CmdNode(r));
            _artifacts.WriteJson($"{attemptDir}/verify_result.json", verifyResults.DeepClone());
            if (!r.Succeeded)
            {
                return (Brief(FailureStage.VerifyFailed, "E209", Excerpt(r), "Global verification must pass before acceptance.", r.CommandLine, r.ExitCode), false);
            }
        }

        var acceptance = (JsonArray)record["acceptance"]!;
        foreach (var condition in _wo.Postconditions.Where(c => c.Kind == ConditionKind.FileExists))
        {
            if (!File.Exists(Path.Combine(worktree, condition.Path)))
            {
                _artifacts.WriteJson($"{attemptDir}/acceptance_result.json", new JsonArray());
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
            var r = await RunCommandAsync(argv, worktree, $"{attemptDir}/acceptance_{k + 1}", ct).ConfigureAwait(false);
            acceptance.Add(CmdNode(r));
            _artifacts.WriteJson($"{attemptDir}/acceptance_result.json", acceptance.DeepClone());
            if (!r.Succeeded)
            {
                return (Brief(FailureStage.AcceptanceFailed, "E211", Excerpt(r), "Every acceptance command must exit 0.", command, r.ExitCode), false);
            }
        }
        if (_wo.AcceptanceCommands.Count == 0) _artifacts.WriteJson($"{attemptDir}/acceptance_result.json", new JsonArray());

        return (null, false);
    }

    private async Task<RunOutcome> LandAsync(string commit, CancellationToken ct)
    {
        var head = await _session.Git.HeadCommitAsync(_session.Root, ct).ConfigureAwait(false);
        var branch = await _session.Git.CurrentBranchAsync(_session.Root, ct).ConfigureAwait(false);
        string? refusal = null;
        if (branch != _session.Branch) refusal = $"the checkout is now on '{branch ?? "a detached HEAD"}', not '{_session.Branch}'";
        else if (head != _baseline) refusal = $"branch '{_session.Branch}' moved during the run ({Short(_baseline)} → {Short(head)})";
        else
        {
            _journal!.Append("landing", new JsonObject { ["commit"] = commit });
            var (ok, why) = await _session.Git.FastForwardAsync(_session.Root, commit, CancellationToken.None).ConfigureAwait(false);
            if (!ok) refusal = $"git refused to fast-forward: {FirstLine(why)}";
        }
        if (refusal is not null)
        {
            var d = DiagnosticCatalog.Create("E213", $"{_wo.Id} passed but was not landed: {refusal}. The commit {Short(commit)} is kept on branch '{BranchName}'.", _wo.Id);
            return Finish("FAIL", FactoryExitCodes.Fail, null, BranchName, [d], null, commit);
        }
        _journal!.Append("landed", new JsonObject { ["commit"] = commit });
        await _session.Git.DeleteBranchAsync(_session.Root, BranchName, CancellationToken.None).ConfigureAwait(false);
        return Finish("PASS", FactoryExitCodes.Pass, commit, null, [], null, commit);
    }

    private RunOutcome Finish(string verdict, int exitCode, string? landed, string? keptBranch, IReadOnlyList<Diagnostic> diagnostics, string? error, string? commit = null)
    {
        var summary = new JsonObject
        {
            ["run_id"] = _runId, ["work_order_id"] = _wo.Id, ["work_order_sha256"] = _woSha256, ["verdict"] = verdict,
            ["total_attempts"] = _attempts.Count, ["baseline_commit"] = _baseline, ["working_branch"] = _session.Branch,
            ["landed_commit"] = landed, ["kept_branch"] = keptBranch, ["commit"] = commit,
            ["started"] = _started.ToString("O"), ["finished"] = DateTimeOffset.UtcNow.ToString("O"),
            ["duration_seconds"] = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            ["llm"] = new JsonObject { ["calls"] = _llmCalls, ["input_tokens"] = _inputTokens, ["output_tokens"] = _outputTokens, ["cost_usd"] = _cost },
            ["config"] = new JsonObject
            {
                ["llm_model"] = Options.Model, ["llm_temperature"] = Options.Temperature, ["max_attempts"] = Options.MaxAttempts,
                ["timeout_seconds"] = Options.CommandTimeout.TotalSeconds, ["repo_root"] = _session.Root, ["out_dir"] = _artifacts.Directory,
                ["verify_command_override"] = Options.VerifyCommandOverride is null ? null : new JsonArray([.. Options.VerifyCommandOverride.Select(a => (JsonNode)a)]),
                ["defaults"] = new JsonObject { ["max_file_write_bytes"] = WriteProposal.MaxFileBytes, ["max_total_write_bytes"] = WriteProposal.MaxTotalBytes, ["context_budget_bytes"] = Options.ContextBudgetBytes },
            },
            ["attempts"] = _attempts.DeepClone(),
            ["diagnostics"] = new JsonArray([.. diagnostics.Select(d => (JsonNode)d.ToCanonicalString())]),
            ["error"] = error,
        };
        try
        {
            _artifacts.WriteJson("run_summary.json", summary);
            _journal?.Append("run_finished", new JsonObject { ["verdict"] = verdict, ["exit_code"] = exitCode });
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
            Attempts = _attempts.Count, Duration = _clock.Elapsed, InputTokens = _inputTokens, OutputTokens = _outputTokens, CostUsd = _cost,
            RunDirectory = _artifacts.Directory, Diagnostics = diagnostics,
        };
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

    private async Task<ProcessResult> RunCommandAsync(IReadOnlyList<string> argv, string worktree, string stem, CancellationToken ct)
    {
        var file = argv[0];
        // Inside MSBuild the SDK tells us which dotnet host is running; use it rather than whatever PATH finds.
        if (file == "dotnet" && Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) file = host;
        _journal!.Append("command", new JsonObject { ["argv"] = new JsonArray([.. argv.Select(a => (JsonNode)a)]) });
        return await ProcessRunner.RunAsync(new ProcessSpec(file, [.. argv.Skip(1)], worktree)
        {
            Timeout = Options.CommandTimeout,
            StdoutPath = _artifacts.PathOf(stem + "_stdout.txt"),
            StderrPath = _artifacts.PathOf(stem + "_stderr.txt"),
            Environment = ChildEnvironment.Default(Options.ApiKeyVariable),
        }, ct).ConfigureAwait(false);
    }

    private JsonObject CmdNode(ProcessResult r) => new()
    {
        ["command"] = new JsonArray([.. r.Argv.Select(a => (JsonNode)a)]),
        ["exit_code"] = r.ExitCode,
        ["timed_out"] = r.TimedOut,
        ["stdout_trunc"] = Redact(FailureBrief.Truncate(r.StdoutTail)),
        ["stderr_trunc"] = Redact(FailureBrief.Truncate(r.StderrTail)),
        ["stdout_path"] = r.StdoutPath,
        ["stderr_path"] = r.StderrPath,
        ["duration_seconds"] = Math.Round(r.Duration.TotalSeconds, 3),
    };

    private string Excerpt(ProcessResult r)
    {
        var parts = new List<string>();
        if (r.StderrTail.Length > 0) parts.Add("[stderr]\n" + r.StderrTail.TrimEnd());
        if (r.StdoutTail.Length > 0) parts.Add("[stdout]\n" + r.StdoutTail.TrimEnd());
        return Redact(string.Join("\n", parts));
    }

    private static FailureBrief Brief(FailureStage stage, string code, string excerpt, string reminder, string? command = null, int? exitCode = null) => new()
    {
        Stage = stage, Code = code, Command = command, ExitCode = exitCode,
        PrimaryErrorExcerpt = FailureBrief.Truncate(excerpt), ConstraintsReminder = reminder,
    };

    private string Redact(string text)
    {
        foreach (var secret in _secrets) text = text.Replace(secret, "[REDACTED]", StringComparison.Ordinal);
        return text;
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.Trim().Length > 0 && !l.StartsWith('[')) ?? text;
        return line.Length > 300 ? line[..300] + "…" : line.Trim();
    }

    private static string Short(string? sha) => sha is null ? "(none)" : sha[..Math.Min(10, sha.Length)];
}
