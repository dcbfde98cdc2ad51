using System.CommandLine;
using System.Globalization;
using LlmCompiler.Cli.Output;
using LlmCompiler.Factory;
using LlmCompiler.Validation;

namespace LlmCompiler.Cli.Commands;

/// <summary>The options <c>llmc run</c> and <c>llmc run-all</c> share, and their translation to engine settings.</summary>
internal sealed class RunOptions
{
    private static readonly FactoryOptions Defaults = new();

    public Option<string?> Repo { get; } = new("--repo") { Description = "The git repository to change; its current branch receives the commits (default: the repository holding the plan, else the current one).", HelpName = "DIR" };
    public Option<string?> ArtifactsDir { get; } = new("--artifacts-dir", "--out") { Description = "Also copy each run's artifacts (prompts, answers, command output, summary) to DIR/<run-id>; the originals stay in .llmc/runs.", HelpName = "DIR" };
    public Option<int> MaxAttempts { get; } = new("--max-attempts") { Description = "Attempts per work order, the first included.", DefaultValueFactory = _ => Defaults.MaxAttempts, HelpName = "N" };
    public Option<int> TimeoutSeconds { get; } = new("--timeout-seconds") { Description = "Limit of each verify/acceptance command; on expiry its whole process tree is killed.", DefaultValueFactory = _ => (int)Defaults.CommandTimeout.TotalSeconds, HelpName = "SECONDS" };
    public Option<string?> VerifyCommand { get; } = new("--verify-command") { Description = "Run this instead of the verify contract's command (argv, no shell).", HelpName = "COMMAND" };
    public Option<bool> AllowVerifyExempt { get; } = new("--allow-verify-exempt") { Description = "Run verify_exempt work orders without global verification." };
    public Option<string> Sandbox { get; } = new("--sandbox") { Description = "Contain verify/acceptance commands: auto (sandbox when bubblewrap is available, else warn), required, off.", DefaultValueFactory = _ => "auto", HelpName = "auto|required|off" };
    public Option<bool> SandboxNetwork { get; } = new("--sandbox-network") { Description = "Allow network access inside the sandbox (NuGet restore needs it unless every package is cached).", DefaultValueFactory = _ => true, HelpName = "true|false" };
    public Option<string[]> PassEnv { get; } = new("--pass-env") { Description = "An environment variable verify/acceptance commands may see besides the allow-list (repeatable).", AllowMultipleArgumentsPerToken = false, HelpName = "NAME" };

    public ModelOptions Model { get; } = new();

    public RunOptions() => Sandbox.AcceptOnlyFromAmong("auto", "required", "off");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Repo, ArtifactsDir, MaxAttempts, TimeoutSeconds, VerifyCommand, AllowVerifyExempt, Sandbox, SandboxNetwork, PassEnv })
        {
            command.Options.Add(option);
        }
        Model.AddTo(command);
    }

    /// <summary>Engine settings, or the usage error that prevents them.</summary>
    public (FactoryOptions? Options, LlmOptions? Llm, string? Error) Bind(ParseResult parse, IReadOnlySet<string> rerun)
    {
        var attempts = parse.GetValue(MaxAttempts);
        if (attempts is < 1 or > 100) return (null, null, "--max-attempts must be between 1 and 100");
        var timeout = parse.GetValue(TimeoutSeconds);
        if (timeout < 1) return (null, null, "--timeout-seconds must be at least 1");
        IReadOnlyList<string>? verify = null;
        if (parse.GetValue(VerifyCommand) is { } verifyText)
        {
            if (!CommandLine.TrySplit(verifyText, out var argv, out var error)) return (null, null, $"--verify-command: {error}");
            verify = argv;
        }
        LlmCompiler.Sandbox.SandboxModes.TryParse(parse.GetValue(Sandbox), out var sandboxMode);
        var passEnv = parse.GetValue(PassEnv) ?? [];
        if (passEnv.FirstOrDefault(n => !IsVariableName(n)) is { } badName) return (null, null, $"--pass-env '{badName}' is not an environment variable name");
        var (llm, llmError) = Model.Bind(parse);
        if (llm is null) return (null, null, llmError);
        var settings = new Llm.LlmSettings();
        var options = new FactoryOptions
        {
            MaxAttempts = attempts,
            CommandTimeout = TimeSpan.FromSeconds(timeout),
            VerifyCommandOverride = verify,
            AllowVerifyExempt = parse.GetValue(AllowVerifyExempt),
            ApiKeyVariable = llm.ApiKeyEnvironmentVariable,
            OutDir = parse.GetValue(ArtifactsDir) is { } o ? Path.GetFullPath(o) : null,
            Model = llm.Model ?? settings.Model,
            Temperature = llm.Temperature ?? settings.Temperature,
            Sandbox = new LlmCompiler.Sandbox.SandboxOptions(sandboxMode, parse.GetValue(SandboxNetwork), passEnv),
            CassettesDirectory = llm.CassettesDirectory,
            Rerun = rerun,
        };
        return (options, llm, null);
    }

    /// <summary>
    /// Resolves the repository, binds the options and opens the model session (with the repository's cost ledger);
    /// on failure the reason is already printed and the session is null.
    /// </summary>
    public async Task<RunSetup?> OpenAsync(ParseResult parse, string commandName, string planPath, IReadOnlySet<string> rerun, CliOutput output, CancellationToken ct)
    {
        var (options, llm, error) = Bind(parse, rerun);
        if (error is not null)
        {
            output.Fail(commandName, error + $" (see 'llmc {commandName} --help')");
            return null;
        }
        var (repo, repoError) = await RepositoryLocator.ForPlanAsync(parse.GetValue(Repo), planPath, ct);
        if (repo is null)
        {
            output.Fail(commandName, repoError!);
            return null;
        }
        var (ledger, ledgerError) = await Llm.RepositoryLedger.PrepareAsync(repo, ct);
        if (ledgerError is not null)
        {
            output.Report(ledgerError);
            return null;
        }
        var session = LlmClients.Create(llm! with { LedgerPath = ledger }, out var sessionErrors);
        if (session is null)
        {
            output.Report(sessionErrors);
            return null;
        }
        var settings = LlmClients.ToSettings(llm!, out _)!;
        output.Info(string.Create(CultureInfo.InvariantCulture,
            $"llmc {commandName}: repository {repo}; model {settings.Model} ({LlmCompiler.Llm.LlmSettings.FormatMode(settings.Mode)}); up to {options!.MaxAttempts} attempt(s) per work order; sandbox {LlmCompiler.Sandbox.SandboxModes.Format(options.Sandbox.Mode)}"));
        output.Info($"llmc {commandName}: endpoint {LlmCompiler.Llm.LlmSettings.Display(settings.ResolveEndpoint())}; cassettes {settings.CassettesDirectory ?? "(none)"}; ledger {ledger}", Verbosity.Verbose);
        return new RunSetup(repo, options, session);
    }

    private static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 128 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

/// <summary>What a run command needs once its options are checked: the repository, the engine settings, the model.</summary>
internal sealed record RunSetup(string Repository, FactoryOptions Options, Llm.ILlmClient Session);
