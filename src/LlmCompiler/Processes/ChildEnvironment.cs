using LlmCompiler.Secrets;

namespace LlmCompiler.Processes;

/// <summary>
/// The environment a child process gets.
/// <list type="bullet">
/// <item><see cref="Default"/> (git and other trusted tools): the parent's, minus MSBuild's inherited variables (a
/// nested <c>dotnet</c> must pick its own SDK and must not hold our stdout open, msbuild-packaging.md §4.2) and minus
/// every credential the tool holds.</item>
/// <item><see cref="Isolated"/> (verify and acceptance commands, which run code the model wrote): an allow-list —
/// <c>PATH</c>, locale, time zone, CA bundles, proxies, <c>DOTNET_*</c> and <c>NUGET_*</c> without secret-shaped
/// names, plus the names the user passes — never "the parent's minus one name".</item>
/// </list>
/// </summary>
public sealed class ChildEnvironment
{
    // Removed outright; everything starting with MSBUILD (any case) goes too, except the two we set below.
    private static readonly string[] MsBuildVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILD_EXE_PATH", "MSBUILDNOINPROCNODE", "MSBUILDENSURESTDOUTFORTASKPROCESSES",
    ];

    /// <summary>Variables model-written code gets from the parent without being asked for.</summary>
    private static readonly HashSet<string> AllowedNames = new(StringComparer.Ordinal)
    {
        "PATH", "LANG", "LANGUAGE", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR",
        "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "all_proxy",
    };

    private static readonly string[] AllowedPrefixes = ["LC_", "DOTNET_", "NUGET_"];

    private readonly HashSet<string> _secretNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _overrides = new(StringComparer.Ordinal);
    private readonly HashSet<string>? _allowList;

    private ChildEnvironment(HashSet<string>? allowList) => _allowList = allowList;

    public static ChildEnvironment Default(string? apiKeyVariable = null) => new ChildEnvironment(null).WithoutSecretVariable(apiKeyVariable);

    /// <summary>An allow-list environment for code the model wrote; <paramref name="passNames"/> adds variables the user chose.</summary>
    public static ChildEnvironment Isolated(IEnumerable<string> passNames, string? apiKeyVariable) =>
        new ChildEnvironment(new HashSet<string>(passNames.Where(n => n.Length > 0), StringComparer.Ordinal)).WithoutSecretVariable(apiKeyVariable);

    /// <summary>True for an allow-list environment.</summary>
    public bool IsIsolated => _allowList is not null;

    /// <summary>Variables that never reach a child, whatever their value, e.g. the configured API-key variable.</summary>
    public ChildEnvironment WithoutSecretVariable(string? name)
    {
        if (!string.IsNullOrEmpty(name)) _secretNames.Add(name);
        return this;
    }

    /// <summary>Sets (or with null removes) one variable after scrubbing.</summary>
    public ChildEnvironment With(string name, string? value)
    {
        _overrides[name] = value;
        return this;
    }

    /// <summary>An independent copy, so one call can add variables without changing the shared policy.</summary>
    public ChildEnvironment Copy()
    {
        var copy = new ChildEnvironment(_allowList is null ? null : new HashSet<string>(_allowList, StringComparer.Ordinal));
        copy._secretNames.UnionWith(_secretNames);
        foreach (var (name, value) in _overrides) copy._overrides[name] = value;
        return copy;
    }

    /// <summary>Applies the policy to a start-info whose environment was pre-filled from the parent.</summary>
    public void ApplyTo(IDictionary<string, string?> environment)
    {
        // Values of the secret variables as the parent sees them right now; any other variable carrying the
        // same value (an alias such as AZURE_OPENAI_KEY=$OPENAI_API_KEY) is a copy of the secret and goes too.
        var secretValues = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in _secretNames)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(value)) secretValues.Add(value);
        }

        foreach (var key in environment.Keys.ToList())
        {
            var value = environment[key];
            var drop = key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || MsBuildVariables.Contains(key, StringComparer.OrdinalIgnoreCase)
                || _secretNames.Contains(key)
                || (value is not null && secretValues.Contains(value))
                || (_allowList is not null && !IsAllowed(key));
            if (drop) environment.Remove(key);
        }

        // A nested build must not leave reusable nodes or a build server behind holding our pipes.
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (name, value) in _overrides)
        {
            if (value is null) environment.Remove(name);
            else environment[name] = value;
        }
    }

    private bool IsAllowed(string name)
    {
        if (_allowList!.Contains(name)) return true;
        if (AllowedNames.Contains(name)) return true;
        return AllowedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && !SecretRedactor.IsSecretName(name);
    }
}
