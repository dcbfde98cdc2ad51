using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;
using LlmCompiler.Sandbox;
using LlmCompiler.Validation;

namespace LlmCompiler.Configuration;

/// <summary>
/// Every setting of <c>llmc</c> and of the MSBuild tasks, in one table with one parser (as MinVer shares one options
/// parser between its CLI and its task): the same names, defaults and checks whatever the front-end, and every
/// problem an E500 that names the option or property. Values that could be a secret are never echoed.
/// </summary>
public static partial class Settings
{
    public const string Model = nameof(Model);
    public const string Endpoint = nameof(Endpoint);
    public const string ApiKeyEnv = nameof(ApiKeyEnv);
    public const string Mode = nameof(Mode);
    public const string Cassettes = nameof(Cassettes);
    public const string Temperature = nameof(Temperature);
    public const string MaxAttempts = nameof(MaxAttempts);
    public const string TimeoutSeconds = nameof(TimeoutSeconds);
    public const string MaxCostUsd = nameof(MaxCostUsd);
    public const string MaxTokens = nameof(MaxTokens);
    public const string PriceTable = nameof(PriceTable);
    public const string NetworkTimeoutSeconds = nameof(NetworkTimeoutSeconds);
    public const string CallDeadlineSeconds = nameof(CallDeadlineSeconds);
    public const string VerifyCommand = nameof(VerifyCommand);
    public const string ArtifactsDir = nameof(ArtifactsDir);
    public const string Sandbox = nameof(Sandbox);
    public const string SandboxNetwork = nameof(SandboxNetwork);
    public const string PassEnvironment = nameof(PassEnvironment);
    public const string Rerun = nameof(Rerun);
    public const string RepoRoot = nameof(RepoRoot);
    public const string MaxParallel = nameof(MaxParallel);
    public const string FlakeRuns = nameof(FlakeRuns);
    public const string RetryFlaky = nameof(RetryFlaky);
    public const string ConfigFile = nameof(ConfigFile);
    public const string MaxFailedAttempts = nameof(MaxFailedAttempts);
    public const string MaxFailedWorkOrders = nameof(MaxFailedWorkOrders);
    public const string MaxTransportFailures = nameof(MaxTransportFailures);
    public const string VerifyOutOfProcess = nameof(VerifyOutOfProcess);

    /// <summary>The upper limit of attempts, for the planner and the factory alike.</summary>
    public const int AttemptsLimit = Planning.PlanCompiler.MaxAttemptsLimit;

    private const int SecondsLimit = 24 * 3600;

    /// <summary>The most work orders at once: each is a worktree and usually a parallel dotnet build of its own.</summary>
    public const int ParallelLimit = 16;
    public const int FlakeRunsLimit = 10;

    /// <summary>MSBuild logs variables with these prefixes in every binary log, whether or not they are read.</summary>
    private static readonly string[] AlwaysLoggedPrefixes = ["MSBUILD", "DOTNET_", "COMPLUS_"];

    private static readonly LlmSettings LlmDefaults = new();

    public static IReadOnlyList<Setting> All { get; } =
    [
        new(Model, "--model", "LlmcModel", "NAME", LlmDefaults.Model, "Model name (an Azure deployment name works).", SettingScope.Model),
        new(Endpoint, "--endpoint", "LlmcEndpoint", "URL", "LLMC_ENDPOINT, OPENAI_BASE_URL, then OpenAI", "OpenAI-compatible base URL.", SettingScope.Model),
        new(ApiKeyEnv, "--api-key-env", "LlmcApiKeyEnv", "NAME", LlmSettings.DefaultApiKeyVariable, "Name of the environment variable holding the API key (the key itself is never a setting).", SettingScope.Model),
        new(Mode, "--llm-mode", "LlmcMode", "auto|live|record|replay", "CLI: auto with --cassettes, else live; MSBuild: auto, replay when CI, TF_BUILD or GITHUB_ACTIONS is true",
            "Live calls, record them, replay recorded ones only, or auto (replay what is recorded, record the rest).", SettingScope.Model),
        new(Cassettes, "--cassettes", "LlmcCassettesDir", "DIR", "CLI: none; MSBuild: llmc/cassettes/ at the repository root", "Folder of recorded model exchanges.", SettingScope.Model),
        new(Temperature, "--temperature", "LlmcTemperature", "T", "0", "Sampling temperature, 0 to 2.", SettingScope.Model),
        new(MaxAttempts, "--max-attempts", "LlmcMaxAttempts", "N", "3", $"Attempts, the first included (planner: per plan; factory: per work order), 1 to {AttemptsLimit}.", SettingScope.Model),
        new(TimeoutSeconds, "--timeout-seconds", "LlmcTimeoutSeconds", "SECONDS", "600", "Limit of each verify/acceptance command; on expiry its whole process tree is killed.", SettingScope.Run),
        new(MaxCostUsd, "--max-cost-usd", "LlmcMaxCostUsd", "USD", "no limit", "Stop before a call that could take the run's live spend over this; needs a known price (see the price table).", SettingScope.Model),
        new(MaxTokens, "--max-tokens", "LlmcMaxTokens", "N", "no limit", "Stop before a call that could take the run's live tokens (input + output) over this.", SettingScope.Model),
        new(PriceTable, "--price-table", "LlmcPriceTable", "FILE", "the built-in prices", "A JSON price table overriding or extending the built-in prices (needed for a USD budget on unlisted models).", SettingScope.Model),
        new(NetworkTimeoutSeconds, "--network-timeout-seconds", "LlmcNetworkTimeoutSeconds", "SECONDS", "120", "Per network operation of a model call, per try.", SettingScope.Model),
        new(CallDeadlineSeconds, "--call-deadline-seconds", "LlmcCallDeadlineSeconds", "SECONDS", "600", "Overall limit of one model call, retries included.", SettingScope.Model),
        new(VerifyCommand, "--verify-command", "LlmcVerifyCommand", "COMMAND", "the manifest's verify_contract.command", "Run this instead of the verify contract's command (argv, no shell).", SettingScope.Run),
        new(ArtifactsDir, "--artifacts-dir", "LlmcArtifactsDir", "DIR", "none", "Put each run's artifacts (prompts, answers, command output, summary) in DIR/<run-id> (the factory keeps them in .llmc/runs as well).", SettingScope.Model),
        new(MaxParallel, "--parallel", "LlmcMaxParallel", "N", "2", $"How many work orders of a plan with depends_on run at once, each in its own worktree, 1 to {ParallelLimit}; 1 runs one after the other.", SettingScope.Run),
        new(FlakeRuns, "--flake-runs", "LlmcFlakeRuns", "N", "2", $"For a work order with tests written first: how often its acceptance must pass in a row before it lands, 1 to {FlakeRunsLimit} (1 disables the re-runs); a pass then a failure is E225.", SettingScope.Run),
        new(RetryFlaky, "--retry-flaky", "LlmcRetryFlaky", "true|false", "false", "Give a flaky work order (E225) its remaining attempts instead of stopping it.", SettingScope.Run),
        new(Sandbox, "--sandbox", "LlmcSandbox", "auto|required|off", "auto", "Contain verify/acceptance commands: auto (sandbox when bubblewrap is available, else warn), required, off.", SettingScope.Run),
        new(SandboxNetwork, "--sandbox-network", "LlmcSandboxNetwork", "true|false", "true", "Network inside the sandbox (NuGet restore needs it unless every package is cached).", SettingScope.Run),
        new(PassEnvironment, "--pass-env", "LlmcPassEnvironment", "NAME", "none", "An environment variable verify/acceptance commands may see besides the allow-list.", SettingScope.Run, Repeatable: true),
        new(Rerun, "--rerun", "LlmcRerun", "ID", "none", "A work order to run again although it landed ('*' for all).", SettingScope.Run, Repeatable: true),
        new(ConfigFile, "--config", "LlmcConfigFile", "FILE", "llmc.json at the repository root, when there is one", "The model configuration: roles (planner, test_author, executor, escalation, reviewer), review trigger, health budget (docs/roles.md).", SettingScope.Model),
        new(MaxFailedAttempts, "--max-failed-attempts", "LlmcMaxFailedAttempts", "N", "20 (or llmc.json's health)", "Stop calling models once the run's failed attempts (all work orders, all roles) reach this (E229).", SettingScope.Run),
        new(MaxFailedWorkOrders, "--max-failed-work-orders", "LlmcMaxFailedWorkOrders", "N", "3 (or llmc.json's health)", "Start no new work order once this many failed; running ones finish (E230).", SettingScope.Run),
        new(MaxTransportFailures, "--max-transport-failures", "LlmcMaxTransportFailures", "N", "6 (or llmc.json's health)", "Stop calling models once this many calls failed in transport after their retries (E231).", SettingScope.Run),
        new(VerifyOutOfProcess, null, "LlmcVerifyOutOfProcess", "true|false", "true on .NET Framework MSBuild (Visual Studio, msbuild.exe), else false",
            "Run VerifyContract in a dotnet process (llmc-verify) instead of in MSBuild: the only route on .NET Framework MSBuild; same diagnostics, file, line and column.", SettingScope.None),
        new(RepoRoot, "--repo", "LlmcRepoRoot", "DIR", "the git repository holding the plan (CLI: else the current one)", "The repository the plan applies to and the factory changes.", SettingScope.Model),
    ];

    public static Setting Get(string name) => All.Single(s => s.Name == name);

    /// <summary>
    /// Parses raw values (by <see cref="Setting.Name"/>; empty means unset) into typed settings. Relative paths are
    /// taken against <paramref name="baseDirectory"/> (the current directory, or the project's).
    /// </summary>
    public static (LlmcOptions Options, IReadOnlyList<Diagnostic> Errors) Parse(Func<string, string?> raw, SettingsSource source, string baseDirectory)
    {
        var errors = new List<Diagnostic>();
        void Fail(string name, string message)
        {
            var shown = Get(name).DisplayName(source);
            errors.Add(DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"{shown}: {message}", field: shown));
        }
        string? Text(string name) => raw(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        string? FullPath(string name) => Text(name) is { } path ? Path.GetFullPath(Path.Combine(baseDirectory, path)) : null;

        LlmMode? mode = null;
        if (Text(Mode) is { } modeText)
        {
            if (LlmSettings.TryParseMode(modeText, out var parsed)) mode = parsed;
            else Fail(Mode, $"'{modeText}' is not one of auto, live, record, replay");
        }

        var sandboxMode = SandboxMode.Auto;
        if (Text(Sandbox) is { } sandboxText && !SandboxModes.TryParse(sandboxText, out sandboxMode))
        {
            Fail(Sandbox, $"'{sandboxText}' is not one of auto, required, off");
            sandboxMode = SandboxMode.Auto;
        }
        var network = true;
        if (Text(SandboxNetwork) is { } networkText && !bool.TryParse(networkText, out network))
        {
            Fail(SandboxNetwork, $"'{networkText}' is not true or false");
            network = true;
        }
        var retryFlaky = false;
        if (Text(RetryFlaky) is { } retryText && !bool.TryParse(retryText, out retryFlaky))
        {
            Fail(RetryFlaky, $"'{retryText}' is not true or false");
            retryFlaky = false;
        }
        var passNames = List(Text(PassEnvironment));
        foreach (var name in passNames.Where(n => !VariableName().IsMatch(n)))
        {
            Fail(PassEnvironment, "entries must be environment variable names" + (source == SettingsSource.MSBuild ? " separated by ';'" : ""));
            break;
        }

        IReadOnlyList<string>? verify = null;
        if (Text(VerifyCommand) is { } verifyText)
        {
            if (CommandLine.TrySplit(verifyText, out var argv, out var splitError)) verify = argv;
            else Fail(VerifyCommand, splitError ?? "cannot be split into arguments");
        }

        var priceTable = FullPath(PriceTable);
        if (priceTable is not null && !File.Exists(priceTable)) Fail(PriceTable, $"'{Text(PriceTable)}' does not exist");

        var options = new LlmcOptions
        {
            Model = Text(Model),
            Endpoint = ParseEndpoint(Text(Endpoint), Fail),
            ApiKeyVariable = ParseKeyVariable(Text(ApiKeyEnv), Fail),
            Mode = mode,
            CassettesDirectory = FullPath(Cassettes),
            Temperature = Number(Text(Temperature), Temperature, 0, 2, Fail) is { } t ? (float)t : null,
            MaxAttempts = Whole(Text(MaxAttempts), MaxAttempts, 1, AttemptsLimit, Fail) is { } a ? (int)a : null,
            MaxParallel = Whole(Text(MaxParallel), MaxParallel, 1, ParallelLimit, Fail) is { } p ? (int)p : null,
            FlakeRuns = Whole(Text(FlakeRuns), FlakeRuns, 1, FlakeRunsLimit, Fail) is { } fr ? (int)fr : null,
            RetryFlaky = retryFlaky,
            CommandTimeout = Whole(Text(TimeoutSeconds), TimeoutSeconds, 1, SecondsLimit, Fail) is { } s ? TimeSpan.FromSeconds(s) : null,
            MaxCostUsd = Amount(Text(MaxCostUsd), Fail),
            MaxTokens = Whole(Text(MaxTokens), MaxTokens, 1, long.MaxValue, Fail),
            PriceTablePath = priceTable,
            NetworkTimeout = Number(Text(NetworkTimeoutSeconds), NetworkTimeoutSeconds, 0.001, SecondsLimit, Fail) is { } nt ? TimeSpan.FromSeconds(nt) : null,
            CallDeadline = Number(Text(CallDeadlineSeconds), CallDeadlineSeconds, 0.001, SecondsLimit, Fail) is { } cd ? TimeSpan.FromSeconds(cd) : null,
            VerifyCommand = verify,
            ArtifactsDirectory = FullPath(ArtifactsDir),
            Sandbox = new SandboxOptions(sandboxMode, network, [.. passNames.Where(n => VariableName().IsMatch(n))]),
            Rerun = List(Text(Rerun)).ToHashSet(StringComparer.OrdinalIgnoreCase),
            RepoRoot = FullPath(RepoRoot),
            ConfigFile = ConfigPath(FullPath(ConfigFile), Fail),
            MaxFailedAttempts = Whole(Text(MaxFailedAttempts), MaxFailedAttempts, 1, int.MaxValue, Fail) is { } fa ? (int)fa : null,
            MaxFailedWorkOrders = Whole(Text(MaxFailedWorkOrders), MaxFailedWorkOrders, 1, int.MaxValue, Fail) is { } fw ? (int)fw : null,
            MaxTransportFailures = Whole(Text(MaxTransportFailures), MaxTransportFailures, 1, int.MaxValue, Fail) is { } tf ? (int)tf : null,
            Source = source,
        };
        return (options, errors);
    }

    /// <summary>The settings table of the documentation (<c>docs/settings.md</c>), generated from <see cref="All"/>.</summary>
    public static string MarkdownTable()
    {
        var sb = new StringBuilder();
        sb.Append("| Option | MSBuild property | Value | Default | Meaning |\n|---|---|---|---|---|\n");
        foreach (var s in All)
        {
            var option = s.Option is null ? "—" : $"`{s.Option} <{s.Placeholder}>`{(s.Repeatable ? " (repeatable)" : "")}";
            var property = s.Property is null ? "—" : $"`{s.Property}`{(s.Repeatable ? " (`;`-separated)" : "")}";
            // A '|' inside a cell ends it in Markdown tables, even within backticks: escape it.
            var cells = new[] { option, property, Range(s), s.Default, s.Description }.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal));
            sb.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }
        return sb.ToString();
    }

    private static string Range(Setting s) => s.Name switch
    {
        Temperature => "0–2",
        MaxAttempts => $"1–{AttemptsLimit}",
        MaxParallel => $"1–{ParallelLimit}",
        FlakeRuns => $"1–{FlakeRunsLimit}",
        TimeoutSeconds => $"1–{SecondsLimit}",
        NetworkTimeoutSeconds or CallDeadlineSeconds => $"> 0, ≤ {SecondsLimit}",
        MaxTokens => "≥ 1",
        MaxCostUsd => "≥ 0",
        Endpoint => "absolute http(s) URL without credentials",
        ApiKeyEnv => "a variable name, not starting with MSBUILD, DOTNET_ or COMPlus_",
        PassEnvironment => "variable names",
        PriceTable or ConfigFile => "an existing file",
        MaxFailedAttempts or MaxFailedWorkOrders or MaxTransportFailures => "≥ 1",
        _ => s.Placeholder.Contains('|', StringComparison.Ordinal) ? s.Placeholder.Replace("|", ", ", StringComparison.Ordinal) : "",
    };

    private static IReadOnlyList<string> List(string? text) =>
        (text ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Uri? ParseEndpoint(string? text, Action<string, string> fail)
    {
        if (text is null) return null;
        if (EndpointProblem(text, "the key setting", out var endpoint) is { } problem) fail(Endpoint, problem);
        return endpoint;
    }

    /// <summary>
    /// Why <paramref name="text"/> cannot be a model endpoint (for every front-end and the roles' own endpoints), or null
    /// with the endpoint. <paramref name="keySetting"/> names where the key's variable goes instead.
    /// </summary>
    internal static string? EndpointProblem(string text, string keySetting, out Uri? endpoint)
    {
        endpoint = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "must be an absolute http:// or https:// URL (for example https://api.openai.com/v1/ or http://localhost:11434/v1)";
        }
        // Credentials in the URL would end up in logs; say so without repeating them. (A query is allowed: Azure's
        // api-version lives there; messages never show it.)
        if (!string.IsNullOrEmpty(uri.UserInfo)) return $"must not carry credentials; put the key in the variable named by {keySetting}";
        endpoint = uri;
        return null;
    }

    private static string ParseKeyVariable(string? text, Action<string, string> fail)
    {
        if (text is null) return LlmSettings.DefaultApiKeyVariable;
        if (KeyVariableProblem(text) is { } problem)
        {
            fail(ApiKeyEnv, problem);
            return LlmSettings.DefaultApiKeyVariable;
        }
        return text;
    }

    /// <summary>Why <paramref name="name"/> cannot name the variable holding a key, or null. Never quotes a value that is not a variable name.</summary>
    internal static string? KeyVariableProblem(string name)
    {
        // Deliberately not quoted: a key pasted here by mistake must not reach the log.
        if (!VariableName().IsMatch(name)) return "must be the name of an environment variable (letters, digits, '_'), not the key itself";
        return AlwaysLoggedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))
            ? $"'{name}' starts with MSBUILD, DOTNET_ or COMPlus_, which MSBuild writes into every binary log; keep the key in another variable"
            : null;
    }

    private static string? ConfigPath(string? path, Action<string, string> fail)
    {
        if (path is null || File.Exists(path)) return path;
        fail(ConfigFile, $"'{path}' does not exist");
        return null;
    }

    private static long? Whole(string? text, string name, long min, long max, Action<string, string> fail)
    {
        if (text is null) return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        fail(name, max == long.MaxValue ? $"'{text}' is not a whole number of at least {min}" : $"'{text}' is not a whole number between {min} and {max}");
        return null;
    }

    private static double? Number(string? text, string name, double min, double max, Action<string, string> fail)
    {
        if (text is null) return null;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        fail(name, $"'{text}' is not a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    private static decimal? Amount(string? text, Action<string, string> fail)
    {
        if (text is null) return null;
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) && d >= 0) return d;
        fail(MaxCostUsd, $"'{text}' is not an amount in USD such as 0.50");
        return null;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}
