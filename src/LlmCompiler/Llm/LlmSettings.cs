using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Llm;

/// <summary>How a session uses cassettes (CONTRACT.md §5).</summary>
public enum LlmMode
{
    /// <summary>Always call the endpoint; cassettes are neither read nor written.</summary>
    Live,

    /// <summary>Always call the endpoint and write (or overwrite) the cassette of every completed exchange.</summary>
    Record,

    /// <summary>Never call the endpoint; a missing cassette is E305.</summary>
    Replay,

    /// <summary>Replay on a hit, otherwise call live and record.</summary>
    Auto,
}

/// <summary>
/// Everything a run needs to talk to a model. The API key is deliberately absent: only the <em>name</em> of the
/// environment variable that holds it is a setting, and the value is read at the moment of each call.
/// </summary>
public sealed record LlmSettings
{
    public const string DefaultApiKeyVariable = "OPENAI_API_KEY";

    /// <summary>
    /// Where front-ends keep a repository's cost ledger: under <c>.llmc/</c>, which the tools add to
    /// <c>.git/info/exclude</c>, so every run of plan and factory, CLI or MSBuild, appends to one file.
    /// </summary>
    /// <summary>
    /// The key variable's name for a message, unless it looks like a key pasted in its place (an Azure key is
    /// 32 lower-case hex digits, which is also a valid variable name): names people use are upper-case or have '_'.
    /// </summary>
    public static string DescribeKeyVariable(string name) =>
        name.Length <= 64 && (name.Contains('_') || name.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
            ? name
            : "named by the API-key setting (its name looks like a key, so it is not shown)";

    public const string EndpointVariable = "LLMC_ENDPOINT";
    public const string OpenAiBaseUrlVariable = "OPENAI_BASE_URL";
    public static readonly Uri OpenAiEndpoint = new("https://api.openai.com/v1");

    public string Model { get; init; } = "gpt-4.1-mini";

    /// <summary>Explicit base URL; when null, <see cref="ResolveEndpoint"/> falls back to the environment.</summary>
    public Uri? Endpoint { get; init; }

    public string ApiKeyEnvironmentVariable { get; init; } = DefaultApiKeyVariable;

    /// <summary>Null leaves the parameter out of the request (reasoning models reject it).</summary>
    public float? Temperature { get; init; } = 0f;

    public int MaxOutputTokens { get; init; } = 16_384;

    public LlmMode Mode { get; init; } = LlmMode.Live;

    /// <summary>Folder of cassette files; required by every mode except <see cref="LlmMode.Live"/>.</summary>
    public string? CassettesDirectory { get; init; }

    /// <summary>JSONL cost ledger; null keeps totals in memory only.</summary>
    public string? LedgerPath { get; init; }

    /// <summary>Optional JSON file overriding or extending the built-in prices.</summary>
    public string? PriceTablePath { get; init; }

    /// <summary>Maximum live spending of the run in USD; null is unlimited.</summary>
    public decimal? MaxCostUsd { get; init; }

    /// <summary>Maximum live tokens (input + output) of the run; null is unlimited.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>
    /// When set, <see cref="MaxCostUsd"/> and <see cref="MaxTokens"/> limit the run as a whole, across the processes
    /// that share this file (the MSBuild nodes of one fanned-out run), not each process on its own.
    /// </summary>
    public string? SharedBudgetFile { get; init; }

    /// <summary>When a request carries a JSON schema, ask for <c>response_format: json_schema</c> (strict).
    /// Off sends plain chat for endpoints that do not support structured outputs.</summary>
    public bool StructuredOutput { get; init; } = true;

    /// <summary>Per network operation, per try (the SDK's <c>NetworkTimeout</c>).</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Overall limit of one call including every retry and wait.</summary>
    public TimeSpan CallDeadline { get; init; } = TimeSpan.FromMinutes(10);

    public int MaxRetries { get; init; } = 3;

    /// <summary>A <c>Retry-After</c> longer than this is not waited for: the call fails fast with E301.</summary>
    public TimeSpan RetryAfterCap { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First back-off delay; doubles per retry (with jitter) and never exceeds <see cref="RetryAfterCap"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// An endpoint as messages show it: <c>scheme://host:port/path</c>, never user info, query or fragment (where keys
    /// and SAS tokens are put by mistake).
    /// </summary>
    public static string Display(Uri endpoint) =>
        endpoint.IsAbsoluteUri ? endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative URL)";

    /// <summary>Parses <c>live|record|replay|auto</c> (case-insensitive).</summary>
    public static bool TryParseMode(string? text, out LlmMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "live": mode = LlmMode.Live; return true;
            case "record": mode = LlmMode.Record; return true;
            case "replay": mode = LlmMode.Replay; return true;
            case "auto": mode = LlmMode.Auto; return true;
            default: mode = default; return false;
        }
    }

    public static string FormatMode(LlmMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Explicit setting, then <c>LLMC_ENDPOINT</c>, then <c>OPENAI_BASE_URL</c>, then OpenAI's.</summary>
    public Uri ResolveEndpoint(Func<string, string?>? environment = null)
    {
        if (Endpoint is not null)
        {
            return Endpoint;
        }

        environment ??= Environment.GetEnvironmentVariable;
        foreach (var variable in new[] { EndpointVariable, OpenAiBaseUrlVariable })
        {
            var value = environment(variable);
            if (!string.IsNullOrWhiteSpace(value) && Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
            {
                return uri;
            }
        }

        return OpenAiEndpoint;
    }

    /// <summary>Checks every value; never throws. Bad values are E500 with the setting's name as field.</summary>
    public IReadOnlyList<Diagnostic> Validate(Func<string, string?>? environment = null)
    {
        var errors = new List<Diagnostic>();
        void Bad(string field, string message) => errors.Add(DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, message, field: field));

        if (string.IsNullOrWhiteSpace(Model))
        {
            Bad(nameof(Model), "The LLM model name is empty.");
        }

        if (Endpoint is not null && !IsHttp(Endpoint))
        {
            Bad(nameof(Endpoint), $"The LLM endpoint '{Display(Endpoint)}' "
                + "is not an absolute http or https URL without user information.");
        }

        environment ??= Environment.GetEnvironmentVariable;
        foreach (var variable in new[] { EndpointVariable, OpenAiBaseUrlVariable })
        {
            var value = environment(variable);
            if (Endpoint is null && !string.IsNullOrWhiteSpace(value)
                && (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || !IsHttp(uri)))
            {
                Bad(nameof(Endpoint), $"The environment variable {variable} is not an absolute http or https URL without user information.");
            }
        }

        if (string.IsNullOrWhiteSpace(ApiKeyEnvironmentVariable)
            || ApiKeyEnvironmentVariable.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            // Deliberately not quoted: this is where a key pasted by mistake would land.
            Bad(nameof(ApiKeyEnvironmentVariable),
                "The API key variable is not an environment variable name (letters, digits and '_' only). "
                + "Give the variable's name, never the key itself.");
        }

        if (Temperature is { } t && (float.IsNaN(t) || t < 0 || t > 2))
        {
            Bad(nameof(Temperature), $"Temperature {t.ToString(CultureInfo.InvariantCulture)} is outside 0..2.");
        }

        if (MaxOutputTokens <= 0)
        {
            Bad(nameof(MaxOutputTokens), $"MaxOutputTokens must be positive (got {MaxOutputTokens}).");
        }

        if (Mode != LlmMode.Live && string.IsNullOrWhiteSpace(CassettesDirectory))
        {
            Bad(nameof(CassettesDirectory), $"Mode '{FormatMode(Mode)}' needs a cassettes directory.");
        }

        if (MaxCostUsd is < 0)
        {
            Bad(nameof(MaxCostUsd), $"MaxCostUsd must not be negative (got {MaxCostUsd}).");
        }

        if (MaxTokens is < 0)
        {
            Bad(nameof(MaxTokens), $"MaxTokens must not be negative (got {MaxTokens}).");
        }

        if (NetworkTimeout <= TimeSpan.Zero)
        {
            Bad(nameof(NetworkTimeout), "NetworkTimeout must be positive.");
        }

        if (CallDeadline <= TimeSpan.Zero)
        {
            Bad(nameof(CallDeadline), "CallDeadline must be positive.");
        }

        if (MaxRetries is < 0 or > 10)
        {
            Bad(nameof(MaxRetries), $"MaxRetries must be between 0 and 10 (got {MaxRetries}).");
        }

        if (RetryAfterCap < TimeSpan.Zero)
        {
            Bad(nameof(RetryAfterCap), "RetryAfterCap must not be negative.");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            Bad(nameof(RetryBaseDelay), "RetryBaseDelay must not be negative.");
        }

        return errors;
    }

    /// <summary>
    /// True for endpoints that conventionally need no key: loopback (127.0.0.0/8, ::1, <c>localhost</c>),
    /// RFC 1918 private ranges (10/8, 172.16/12, 192.168/16), IPv6 unique-local (fc00::/7) and <c>*.local</c> names.
    /// Decided from the URL only; no DNS lookup.
    /// </summary>
    public static bool IsPrivateEndpoint(Uri endpoint)
    {
        var host = endpoint.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return false;
        }

        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168);
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && (address.GetAddressBytes()[0] & 0xFE) == 0xFC;
    }

    // Credentials in the URL would end up in diagnostics and logs; the key belongs in the environment variable.
    private static bool IsHttp(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.UserInfo.Length == 0;
}
