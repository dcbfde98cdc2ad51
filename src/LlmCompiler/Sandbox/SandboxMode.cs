namespace LlmCompiler.Sandbox;

/// <summary>How verify and acceptance commands (which run code the model wrote) are contained.</summary>
public enum SandboxMode
{
    /// <summary>Sandbox when one is available; otherwise run unsandboxed with a warning on every run (W217) and a
    /// fingerprint of the checkout, git state and git configuration checked after every command (E218).</summary>
    Auto,

    /// <summary>Sandbox or refuse to run (E217): what CI should use.</summary>
    Required,

    /// <summary>Never sandbox (the fingerprint check still runs).</summary>
    Off,
}

/// <summary>Parsing and printing of <see cref="SandboxMode"/> (<c>auto|required|off</c>).</summary>
public static class SandboxModes
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "required", "off"];

    public static bool TryParse(string? text, out SandboxMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "auto": mode = SandboxMode.Auto; return true;
            case "required": mode = SandboxMode.Required; return true;
            case "off": mode = SandboxMode.Off; return true;
            default: mode = SandboxMode.Auto; return false;
        }
    }

    public static string Format(SandboxMode mode) => mode.ToString().ToLowerInvariant();
}

/// <summary>The sandbox settings of a factory run.</summary>
/// <param name="Network">Allow network access inside the sandbox (restore needs it unless every package is cached).</param>
/// <param name="PassEnvironment">Extra variable names model-written code may see (beyond the allow-list).</param>
public sealed record SandboxOptions(SandboxMode Mode = SandboxMode.Auto, bool Network = true, IReadOnlyList<string>? PassEnvironment = null)
{
    public IReadOnlyList<string> PassEnvironmentNames => PassEnvironment ?? [];
}
