using LlmCompiler.Validation;
using System.CommandLine;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;

namespace LlmCompiler.Cli.Commands;

/// <summary>The options <c>llmc run</c> and <c>llmc run-all</c> share, and their translation to engine settings.</summary>
internal sealed class RunOptions
{
    public Option<string> Repo { get; } = new("--repo") { Description = "The git repository to change (its current branch receives the commits).", Required = true };
    public Option<string?> Out { get; } = new("--out") { Description = "Also export each run's artifacts to this directory." };
    public Option<string> Model { get; } = new("--model") { Description = "Executor model name.", DefaultValueFactory = _ => new Llm.LlmSettings().Model };
    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "OpenAI-compatible base URL (default: LLMC_ENDPOINT, OPENAI_BASE_URL, then OpenAI)." };
    public Option<string> ApiKeyEnv { get; } = new("--api-key-env") { Description = "Name of the environment variable holding the API key.", DefaultValueFactory = _ => Llm.LlmSettings.DefaultApiKeyVariable };
    public Option<string?> LlmMode { get; } = new("--llm-mode") { Description = "live, record, replay or auto (default: auto with --cassettes, else live)." };
    public Option<string?> Cassettes { get; } = new("--cassettes") { Description = "Cassette directory for record/replay." };
    public Option<int> MaxAttempts { get; } = new("--max-attempts") { Description = "Attempts per work order.", DefaultValueFactory = _ => 5 };
    public Option<double> Temperature { get; } = new("--temperature") { Description = "Sampling temperature.", DefaultValueFactory = _ => 0.0 };
    public Option<int> TimeoutSeconds { get; } = new("--timeout-seconds") { Description = "Timeout per verify/acceptance command; the whole process tree is killed.", DefaultValueFactory = _ => 600 };
    public Option<string?> VerifyCommand { get; } = new("--verify-command") { Description = "Override the verify contract's command (argv, no shell)." };
    public Option<bool> AllowVerifyExempt { get; } = new("--allow-verify-exempt") { Description = "Run verify_exempt work orders without global verification." };
    public Option<decimal?> MaxCostUsd { get; } = new("--max-cost-usd") { Description = "Stop when the run's model cost reaches this many USD." };
    public Option<string> Sandbox { get; } = new("--sandbox") { Description = "Contain verify/acceptance commands: auto (sandbox when bubblewrap is available, else warn), required, off.", DefaultValueFactory = _ => "auto", HelpName = "auto|required|off" };
    public Option<bool> SandboxNetwork { get; } = new("--sandbox-network") { Description = "Allow network access inside the sandbox (NuGet restore needs it unless every package is cached).", DefaultValueFactory = _ => true };
    public Option<string[]> PassEnv { get; } = new("--pass-env") { Description = "An environment variable verify/acceptance commands may see besides the allow-list (repeatable).", AllowMultipleArgumentsPerToken = false, HelpName = "NAME" };
    public Option<double?> NetworkTimeoutSeconds { get; } = new("--network-timeout-seconds") { Description = "Per network operation of a model call, per try (default 120)." };
    public Option<double?> CallDeadlineSeconds { get; } = new("--call-deadline-seconds") { Description = "Overall limit of one model call including retries (default 600)." };
    public Option<string?> PriceTable { get; } = new("--price-table") { Description = "A JSON price table overriding or extending the built-in prices (needed for a USD budget on unlisted models).", HelpName = "FILE" };
    public Option<long?> MaxTokens { get; } = new("--max-tokens") { Description = "Stop before a call that could take the run's live tokens (input + output) over this.", HelpName = "N" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Repo, Out, Model, Endpoint, ApiKeyEnv, LlmMode, Cassettes, MaxAttempts, Temperature, TimeoutSeconds, VerifyCommand, AllowVerifyExempt, MaxCostUsd, Sandbox, SandboxNetwork, PassEnv, NetworkTimeoutSeconds, CallDeadlineSeconds, PriceTable, MaxTokens })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Engine settings, or the usage error that prevents them.</summary>
    public (FactoryOptions? Options, LlmOptions? Llm, string? Error) Bind(ParseResult parse)
    {
        var attempts = parse.GetValue(MaxAttempts);
        if (attempts < 1) return (null, null, "--max-attempts must be at least 1");
        var timeout = parse.GetValue(TimeoutSeconds);
        if (timeout < 1) return (null, null, "--timeout-seconds must be at least 1");
        var modeText = parse.GetValue(LlmMode);
        if (modeText is not null && !Llm.LlmSettings.TryParseMode(modeText, out _)) return (null, null, $"--llm-mode must be live, record, replay or auto (got '{modeText}')");
        IReadOnlyList<string>? verify = null;
        if (parse.GetValue(VerifyCommand) is { } verifyText)
        {
            if (!CommandLine.TrySplit(verifyText, out var argv, out var error)) return (null, null, $"--verify-command: {error}");
            verify = argv;
        }
        if (!LlmCompiler.Sandbox.SandboxModes.TryParse(parse.GetValue(Sandbox), out var sandboxMode)) return (null, null, $"--sandbox must be auto, required or off (got '{parse.GetValue(Sandbox)}')");
        var passEnv = parse.GetValue(PassEnv) ?? [];
        if (passEnv.FirstOrDefault(n => !IsVariableName(n)) is { } badName) return (null, null, $"--pass-env '{badName}' is not an environment variable name");
        if (parse.GetValue(NetworkTimeoutSeconds) is <= 0) return (null, null, "--network-timeout-seconds must be positive");
        if (parse.GetValue(CallDeadlineSeconds) is <= 0) return (null, null, "--call-deadline-seconds must be positive");
        if (parse.GetValue(MaxTokens) is <= 0) return (null, null, "--max-tokens must be positive");
        var keyEnv = parse.GetValue(ApiKeyEnv)!;
        var options = new FactoryOptions
        {
            MaxAttempts = attempts,
            CommandTimeout = TimeSpan.FromSeconds(timeout),
            VerifyCommandOverride = verify,
            AllowVerifyExempt = parse.GetValue(AllowVerifyExempt),
            ApiKeyVariable = keyEnv,
            OutDir = parse.GetValue(Out) is { } o ? Path.GetFullPath(o) : null,
            Model = parse.GetValue(Model),
            Temperature = parse.GetValue(Temperature),
            Sandbox = new LlmCompiler.Sandbox.SandboxOptions(sandboxMode, parse.GetValue(SandboxNetwork), passEnv),
            CassettesDirectory = parse.GetValue(Cassettes) is { } c ? Path.GetFullPath(c) : null,
        };
        var llm = new LlmOptions(parse.GetValue(Model), parse.GetValue(Endpoint), keyEnv, modeText, parse.GetValue(Cassettes), parse.GetValue(MaxCostUsd))
        {
            Temperature = (float)parse.GetValue(Temperature),
            NetworkTimeout = parse.GetValue(NetworkTimeoutSeconds) is { } nt ? TimeSpan.FromSeconds(nt) : null,
            CallDeadline = parse.GetValue(CallDeadlineSeconds) is { } cd ? TimeSpan.FromSeconds(cd) : null,
            PriceTablePath = parse.GetValue(PriceTable) is { } pt ? Path.GetFullPath(pt) : null,
            MaxTokens = parse.GetValue(MaxTokens),
        };
        return (options, llm, null);
    }

    /// <summary>
    /// Binds the options and opens the model session (with the repository's cost ledger); on failure the reason
    /// is already on stderr and the session is null.
    /// </summary>
    public async Task<(FactoryOptions? Options, Llm.ILlmClient? Session)> OpenAsync(ParseResult parse, string commandName, TextWriter stderr, CancellationToken ct)
    {
        var (options, llm, error) = Bind(parse);
        if (error is not null)
        {
            await stderr.WriteLineAsync($"llmc {commandName}: {error}");
            return (null, null);
        }
        var (ledger, ledgerError) = await Llm.RepositoryLedger.PrepareAsync(Path.GetFullPath(parse.GetValue(Repo)!), ct);
        if (ledgerError is not null)
        {
            Report(stderr, [ledgerError]);
            return (null, null);
        }
        var session = LlmClients.Create(llm! with { LedgerPath = ledger }, out var sessionErrors);
        if (session is null) Report(stderr, sessionErrors);
        return (options, session);
    }

    private static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 128 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public static void Report(TextWriter stderr, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics) stderr.WriteLine(d.ToCanonicalString());
    }
}
