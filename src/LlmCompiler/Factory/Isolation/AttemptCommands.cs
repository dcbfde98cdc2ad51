using LlmCompiler.IO;
using LlmCompiler.Processes;
using LlmCompiler.Sandbox;
using LlmCompiler.Secrets;

namespace LlmCompiler.Factory.Isolation;

/// <summary>One verify or acceptance command as it ran: its result, and what it changed outside its worktree.</summary>
/// <param name="Refusal">Why the command was not started (its program would come from outside the worktree or PATH).</param>
/// <param name="OutsideChanges">Changes to the checkout, git state or home found (and undone where possible) afterwards.</param>
internal sealed record CommandRun(ProcessResult Result, string? Refusal, IReadOnlyList<string> OutsideChanges)
{
    /// <summary>The tests the command ran, from the TRX files its test hosts wrote (when asked for).</summary>
    public IReadOnlyList<TestsFirst.TestOutcome> TestResults { get; init; } = [];
}

/// <summary>
/// Runs the commands of one attempt (global verification and acceptance), which execute code the model wrote:
/// the program is resolved safely (a bare name on <c>PATH</c> only, a path inside the worktree only), the environment
/// is an allow-list with private <c>HOME</c> and <c>TMPDIR</c>, the command runs in the sandbox when the session has
/// one, everything it started is killed when it ends, and without a sandbox a guard compares the checkout, git state
/// and home configuration before and after.
/// </summary>
internal sealed class AttemptCommands(FactorySession session, AttemptSlot slot, SecretRedactor redactor)
{
    /// <summary>Set in every command's environment; the package's targets skip VerifyContract, PlanWorkOrders and Factory under it.</summary>
    public const string InAttemptVariable = "LLMC_IN_ATTEMPT";

    /// <param name="testResultsName">When set, <c>dotnet test</c> writes TRX into a fresh folder of this name in the
    /// command's private TMPDIR (through MSBuild properties in its environment, its argv unchanged), read afterwards.</param>
    public async Task<CommandRun> RunAsync(IReadOnlyList<string> argv, string? stdoutPath, string? stderrPath, Action<ProcessStartRecord> started, CancellationToken ct, string? testResultsName = null)
    {
        var (program, refusal) = ResolveProgram(argv[0]);
        if (program is null)
        {
            var refused = new ProcessResult { Argv = argv, ExitCode = ProcessResult.FailedExitCode, LaunchError = refusal, StderrTail = refusal! };
            return new CommandRun(refused, refusal, []);
        }

        var containment = session.Containment;
        var environment = Environment(containment.Sandboxed);
        string? resultsOnHost = null;
        if (testResultsName is not null)
        {
            resultsOnHost = Path.Combine(slot.ScratchTmp, "llmc-test-results", testResultsName);
            if (Directory.Exists(resultsOnHost)) Directory.Delete(resultsOnHost, recursive: true);
            Directory.CreateDirectory(resultsOnHost);
            // Inside the sandbox the private TMPDIR is /tmp.
            var inChild = containment.Sandboxed ? "/tmp/llmc-test-results/" + testResultsName : resultsOnHost;
            foreach (var (name, value) in TestsFirst.TrxResults.Environment(inChild)) environment = environment.With(name, value);
        }
        var inner = new List<string> { program };
        inner.AddRange(argv.Skip(1));
        var spec = containment.Sandboxed
            ? new ProcessSpec(containment.Executable!, Bubblewrap.Arguments(Mounts(), inner), slot.Worktree)
            : new ProcessSpec(program, [.. argv.Skip(1)], slot.Worktree);
        spec = spec with
        {
            Timeout = session.Options.CommandTimeout,
            StdoutPath = stdoutPath,
            StderrPath = stderrPath,
            Environment = environment,
            Redactor = redactor,
            Started = started,
        };

        // Without a sandbox, commands of parallel work orders (threads, MSBuild nodes) run one at a time: a guard taken
        // while another command runs would record that command's changes as the state to restore.
        using var alone = containment.Sandboxed ? null : await FileMutex.AcquireAsync(session.Layout.UnsandboxedCommandLock, ct).ConfigureAwait(false);
        var guard = containment.Sandboxed ? null : OutsideWorldGuard.Take(new GuardScope(session.CommonDir, slot.GitDir, session.Root, GuardScope.DefaultHomeFiles()));
        var result = await ProcessRunner.RunAsync(spec, ct).ConfigureAwait(false);
        // Reported with the command's own argv, not bwrap's.
        result = result with { Argv = argv };
        var changes = guard is null ? [] : await guard.RestoreChangesAsync(session.Git, CancellationToken.None).ConfigureAwait(false);
        return new CommandRun(result, null, changes) { TestResults = resultsOnHost is null ? [] : TestsFirst.TrxResults.ReadDirectory(resultsOnHost) };
    }

    /// <summary>
    /// A bare <c>argv[0]</c> comes from <c>PATH</c> only (never the worktree or the user's checkout, where a planted
    /// <c>git</c> or <c>sh</c> could sit); one with a '/' names a file inside the worktree and must stay inside it.
    /// </summary>
    internal (string? Program, string? Refusal) ResolveProgram(string name)
    {
        if (name == "dotnet" && System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            // Inside MSBuild the SDK tells us which dotnet host is running; use it rather than whatever PATH finds.
            return (host, null);
        }
        if (!name.Contains('/') && !name.Contains('\\'))
        {
            var found = ExecutableResolver.FromPath(name, untrustedRoots: [slot.Worktree, session.Root]);
            return found is null ? (null, $"'{name}' was not found on PATH (programs named without a '/' come from PATH only, never from the repository)") : (found, null);
        }
        if (Path.IsPathRooted(name)) return (null, $"'{name}' is an absolute path; acceptance programs are either on PATH or inside the repository");
        var full = Path.GetFullPath(Path.Combine(slot.Worktree, name));
        var real = PhysicalPath.Resolve(full);
        var realWorktree = PhysicalPath.Resolve(slot.Worktree);
        if (!PhysicalPath.IsInside(full, slot.Worktree) || !PhysicalPath.IsInside(real, realWorktree))
        {
            return (null, $"'{name}' resolves outside the worktree; a program given with a '/' must be a file of the repository");
        }
        return (full, null);
    }

    private ChildEnvironment Environment(bool sandboxed)
    {
        var options = session.Options;
        var userPackages = UserPackagesFolder();
        var env = options.KeyVariables.Aggregate(ChildEnvironment.Isolated(options.Sandbox.PassEnvironmentNames, options.ApiKeyVariable), (e, name) => e.WithoutSecretVariable(name))
            .With("HOME", slot.ScratchHome)
            .With("DOTNET_CLI_HOME", slot.ScratchHome)
            .With("TMPDIR", sandboxed ? "/tmp" : slot.ScratchTmp)
            .With("TMP", sandboxed ? "/tmp" : slot.ScratchTmp)
            .With("TEMP", sandboxed ? "/tmp" : slot.ScratchTmp)
            .With("NUGET_PACKAGES", session.Layout.SandboxPackagesDirectory)
            .With("NUGET_FALLBACK_PACKAGES", FallbackPackages(userPackages))
            .With("DOTNET_NOLOGO", "1")
            .With("DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "1")
            .With("UseSharedCompilation", "false")
            .With(InAttemptVariable, "1");
        return env;
    }

    private SandboxMounts Mounts()
    {
        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        var masked = new List<string> { session.Root };
        var maskedFiles = new List<string>();
        if (!string.IsNullOrEmpty(home))
        {
            masked.AddRange(CredentialDirectories.Select(d => Path.Combine(home, d)));
            maskedFiles.AddRange(CredentialFiles.Select(f => Path.Combine(home, f)));
        }
        var reexposed = new List<string> { session.CommonDir };
        if (UserPackagesFolder() is { } packages) reexposed.Add(packages);
        // Programs the command may need that live where the sandbox hides things (a private /tmp, the masked checkout).
        foreach (var entry in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (Path.IsPathFullyQualified(entry) && (PhysicalPath.IsInside(entry, "/tmp") || masked.Any(m => PhysicalPath.IsInside(entry, m)))
                && !PhysicalPath.IsInside(entry, session.Root))
            {
                reexposed.Add(entry);
            }
        }
        if (System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot && Path.IsPathFullyQualified(dotnetRoot)) reexposed.Add(dotnetRoot);
        Directory.CreateDirectory(session.Layout.SandboxPackagesDirectory);
        return new SandboxMounts
        {
            WorkingDirectory = slot.Worktree,
            PrivateTmp = slot.ScratchTmp,
            Writable = [slot.Worktree, slot.ScratchHome, session.Layout.SandboxPackagesDirectory],
            MaskedDirectories = masked,
            MaskedFiles = maskedFiles,
            ReadOnlyReexposed = reexposed,
            Network = session.Options.Sandbox.Network,
        };
    }

    /// <summary>Home folders that hold credentials; hidden inside the sandbox (the rest of the home is read-only).</summary>
    internal static readonly string[] CredentialDirectories =
    [
        ".ssh", ".aws", ".azure", ".gnupg", ".kube", ".docker", ".config/gh", ".config/gcloud", ".config/hub",
        ".nuget/NuGet", ".local/share/keyrings", ".password-store", ".terraform.d",
    ];

    internal static readonly string[] CredentialFiles = [".netrc", ".git-credentials", ".npmrc", ".pypirc", ".config/git/credentials", ".terraformrc"];

    /// <summary>The user's NuGet global packages folder (<c>NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>) when it exists.</summary>
    private static string? UserPackagesFolder()
    {
        var configured = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        var folder = !string.IsNullOrEmpty(configured)
            ? configured
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.Exists(folder) ? Path.GetFullPath(folder) : null;
    }

    private static string? FallbackPackages(string? userPackages)
    {
        var existing = System.Environment.GetEnvironmentVariable("NUGET_FALLBACK_PACKAGES");
        var parts = new[] { userPackages, existing }.Where(p => !string.IsNullOrEmpty(p));
        var joined = string.Join(Path.PathSeparator, parts);
        return joined.Length == 0 ? null : joined;
    }
}
