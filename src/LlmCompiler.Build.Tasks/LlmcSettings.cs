using System.Globalization;
using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// The <c>Llmc*</c> MSBuild properties after validation, with paths made absolute against the project directory.
/// Null means "engine default". Holds the <em>name</em> of the key variable only; the key is read by the engine
/// at the moment of the call.
/// </summary>
internal sealed record LlmcSettings
{
    public string? Model { get; init; }
    public Uri? Endpoint { get; init; }
    public string ApiKeyEnvironmentVariable { get; init; } = LlmSettings.DefaultApiKeyVariable;
    public LlmMode Mode { get; init; } = LlmMode.Auto;
    public string? CassettesDirectory { get; init; }
    public int? MaxAttempts { get; init; }
    public int? TimeoutSeconds { get; init; }
    public decimal? MaxCostUsd { get; init; }
    public string? VerifyCommand { get; init; }
    public string? ArtifactsDirectory { get; init; }
    public Sandbox.SandboxOptions Sandbox { get; init; } = new();
    public TimeSpan? NetworkTimeout { get; init; }
    public TimeSpan? CallDeadline { get; init; }
    public string? PriceTablePath { get; init; }
    public long? MaxTokens { get; init; }

    /// <summary>The default cassette folder, relative to the repository root.</summary>
    public const string DefaultCassettesFolder = "llmc/cassettes";

    /// <summary>These settings with the repository-relative defaults filled in once the repository is known.</summary>
    public LlmcSettings ForRepository(string? repoRoot) =>
        CassettesDirectory is null && repoRoot is not null ? this with { CassettesDirectory = Path.Combine(repoRoot, DefaultCassettesFolder) } : this;

    /// <summary>The LLM layer's settings; unset values keep the engine's defaults.</summary>
    /// <param name="repoRoot">The repository whose <c>.llmc/</c> folder keeps the cost ledger; null for none.</param>
    /// <param name="error">Why the repository's ledger cannot be used (E200), when it cannot.</param>
    public LlmSettings ToLlmSettings(string? repoRoot, out Diagnostic? error)
    {
        var defaults = new LlmSettings();
        error = null;
        string? ledger = null;
        // MSBuild runs tasks without a synchronisation context, so waiting here cannot deadlock.
        if (repoRoot is not null) (ledger, error) = RepositoryLedger.PrepareAsync(repoRoot, CancellationToken.None).GetAwaiter().GetResult();
        return defaults with
        {
            LedgerPath = ledger,
            Model = Model ?? defaults.Model,
            Endpoint = Endpoint,
            ApiKeyEnvironmentVariable = ApiKeyEnvironmentVariable,
            Mode = Mode,
            CassettesDirectory = CassettesDirectory,
            MaxCostUsd = MaxCostUsd,
            NetworkTimeout = NetworkTimeout ?? defaults.NetworkTimeout,
            CallDeadline = CallDeadline ?? defaults.CallDeadline,
            PriceTablePath = PriceTablePath,
            MaxTokens = MaxTokens,
        };
    }
}

/// <summary>The raw strings of the <c>Llmc*</c> properties, as MSBuild hands them to a task.</summary>
internal sealed record LlmcRawSettings(
    string? Model, string? Endpoint, string? ApiKeyEnvironmentVariable, string? Mode, string? CassettesDirectory,
    string? MaxAttempts, string? TimeoutSeconds, string? MaxCostUsd, string? VerifyCommand, string? ArtifactsDirectory)
{
    public string? Sandbox { get; init; }
    public string? SandboxNetwork { get; init; }
    public string? PassEnvironment { get; init; }
    public string? NetworkTimeoutSeconds { get; init; }
    public string? CallDeadlineSeconds { get; init; }
    public string? PriceTable { get; init; }
    public string? MaxTokens { get; init; }
}

/// <summary>
/// Validates the <c>Llmc*</c> properties into <see cref="LlmcSettings"/>. Every problem is an E500 naming the
/// property; values that could be a secret are never echoed.
/// </summary>
internal static partial class LlmcSettingsParser
{
    /// <summary>MSBuild logs variables with these prefixes in every binary log, whether or not they are read.</summary>
    private static readonly string[] AlwaysLoggedPrefixes = ["MSBUILD", "DOTNET_", "COMPLUS_"];

    public static (LlmcSettings Settings, IReadOnlyList<Diagnostic> Diagnostics) Parse(LlmcRawSettings raw, string projectDirectory)
    {
        var diagnostics = new List<Diagnostic>();
        void Fail(string property, string message) => diagnostics.Add(DiagnosticCatalog.Create("E500", $"{property}: {message}", field: property));

        var mode = LlmMode.Auto;
        if (!IsEmpty(raw.Mode) && !LlmSettings.TryParseMode(raw.Mode, out mode))
        {
            Fail("LlmcMode", $"'{raw.Mode}' is not one of live, record, replay, auto");
            mode = LlmMode.Auto;
        }

        Uri? endpoint = null;
        if (!IsEmpty(raw.Endpoint))
        {
            if (!Uri.TryCreate(raw.Endpoint!.Trim(), UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                Fail("LlmcEndpoint", "must be an absolute http:// or https:// URL (for example https://api.openai.com/v1/)");
                endpoint = null;
            }
            else if (!string.IsNullOrEmpty(endpoint.UserInfo))
            {
                // Credentials in the URL would end up in logs; say so without repeating them.
                Fail("LlmcEndpoint", "must not carry credentials; put the key in the variable named by LlmcApiKeyEnv");
                endpoint = null;
            }
        }

        var keyVariable = IsEmpty(raw.ApiKeyEnvironmentVariable) ? LlmSettings.DefaultApiKeyVariable : raw.ApiKeyEnvironmentVariable!.Trim();
        if (!VariableName().IsMatch(keyVariable))
        {
            // Deliberately not quoted: a key pasted here by mistake must not reach the log.
            Fail("LlmcApiKeyEnv", "must be the name of an environment variable (letters, digits, '_'), not the key itself");
            keyVariable = LlmSettings.DefaultApiKeyVariable;
        }
        else if (AlwaysLoggedPrefixes.Any(p => keyVariable.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            Fail("LlmcApiKeyEnv", $"'{keyVariable}' starts with MSBUILD, DOTNET_ or COMPlus_, which MSBuild writes into every binary log; keep the key in another variable");
        }

        var sandboxMode = LlmCompiler.Sandbox.SandboxMode.Auto;
        if (!IsEmpty(raw.Sandbox) && !LlmCompiler.Sandbox.SandboxModes.TryParse(raw.Sandbox, out sandboxMode))
        {
            Fail("LlmcSandbox", $"'{raw.Sandbox}' is not one of auto, required, off");
        }
        var network = true;
        if (!IsEmpty(raw.SandboxNetwork) && !bool.TryParse(raw.SandboxNetwork!.Trim(), out network))
        {
            Fail("LlmcSandboxNetwork", $"'{raw.SandboxNetwork}' is not true or false");
            network = true;
        }
        var passNames = (raw.PassEnvironment ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in passNames.Where(n => !VariableName().IsMatch(n))) Fail("LlmcPassEnvironment", "entries must be environment variable names separated by ';'");

        var settings = new LlmcSettings
        {
            Model = IsEmpty(raw.Model) ? null : raw.Model!.Trim(),
            Endpoint = endpoint,
            ApiKeyEnvironmentVariable = keyVariable,
            Mode = mode,
            CassettesDirectory = FullDirectory(raw.CassettesDirectory, projectDirectory),
            MaxAttempts = PositiveInt(raw.MaxAttempts, "LlmcMaxAttempts", 100, Fail),
            TimeoutSeconds = PositiveInt(raw.TimeoutSeconds, "LlmcTimeoutSeconds", 24 * 3600, Fail),
            MaxCostUsd = NonNegativeDecimal(raw.MaxCostUsd, "LlmcMaxCostUsd", Fail),
            VerifyCommand = IsEmpty(raw.VerifyCommand) ? null : raw.VerifyCommand!.Trim(),
            ArtifactsDirectory = FullDirectory(raw.ArtifactsDirectory, projectDirectory),
            Sandbox = new LlmCompiler.Sandbox.SandboxOptions(sandboxMode, network, [.. passNames.Where(n => VariableName().IsMatch(n))]),
            NetworkTimeout = PositiveInt(raw.NetworkTimeoutSeconds, "LlmcNetworkTimeoutSeconds", 24 * 3600, Fail) is { } nt ? TimeSpan.FromSeconds(nt) : null,
            CallDeadline = PositiveInt(raw.CallDeadlineSeconds, "LlmcCallDeadlineSeconds", 24 * 3600, Fail) is { } cd ? TimeSpan.FromSeconds(cd) : null,
            PriceTablePath = IsEmpty(raw.PriceTable) ? null : Path.GetFullPath(Path.Combine(projectDirectory, raw.PriceTable!.Trim())),
            MaxTokens = PositiveInt(raw.MaxTokens, "LlmcMaxTokens", int.MaxValue, Fail),
        };
        return (settings, diagnostics);
    }

    private static bool IsEmpty(string? value) => string.IsNullOrWhiteSpace(value);

    private static string? FullDirectory(string? value, string projectDirectory) =>
        IsEmpty(value) ? null : Path.GetFullPath(Path.Combine(projectDirectory, value!.Trim()));

    private static int? PositiveInt(string? value, string property, int max, Action<string, string> fail)
    {
        if (IsEmpty(value)) return null;
        if (int.TryParse(value!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max) return n;
        fail(property, $"'{value}' is not a whole number between 1 and {max}");
        return null;
    }

    private static decimal? NonNegativeDecimal(string? value, string property, Action<string, string> fail)
    {
        if (IsEmpty(value)) return null;
        if (decimal.TryParse(value!.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) && d >= 0) return d;
        fail(property, $"'{value}' is not an amount in USD such as 0.50");
        return null;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}
