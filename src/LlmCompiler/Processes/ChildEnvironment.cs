namespace LlmCompiler.Processes;

/// <summary>
/// The environment a child process gets: the parent's, minus MSBuild's inherited variables (a nested
/// <c>dotnet</c> must pick its own SDK and must not hold our stdout open, msbuild-packaging.md §4.2) and minus
/// every credential the tool holds, so code the model wrote cannot read the API key.
/// </summary>
public sealed class ChildEnvironment
{
    // Removed outright; everything starting with MSBUILD (any case) goes too, except the two we set below.
    private static readonly string[] MsBuildVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILD_EXE_PATH", "MSBUILDNOINPROCNODE", "MSBUILDENSURESTDOUTFORTASKPROCESSES",
    ];

    private readonly HashSet<string> _secretNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _overrides = new(StringComparer.Ordinal);

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

    public static ChildEnvironment Default(string? apiKeyVariable = null) => new ChildEnvironment().WithoutSecretVariable(apiKeyVariable);

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
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || MsBuildVariables.Contains(key, StringComparer.OrdinalIgnoreCase)
                || _secretNames.Contains(key)
                || (value is not null && secretValues.Contains(value)))
            {
                environment.Remove(key);
            }
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
}
