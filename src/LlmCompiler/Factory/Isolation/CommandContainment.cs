using LlmCompiler.Diagnostics;
using LlmCompiler.Sandbox;

namespace LlmCompiler.Factory.Isolation;

/// <summary>How a session contains the commands that run model-written code, decided once when the session opens.</summary>
internal sealed record CommandContainment(bool Sandboxed, string? Executable, string Description)
{
    /// <summary>
    /// Picks the containment for <paramref name="options"/>: a sandbox when one is available (and not turned off);
    /// <c>required</c> without one is E217; <c>auto</c> without one runs unsandboxed and says so (W217).
    /// </summary>
    public static (CommandContainment? Containment, Diagnostic? Error, Diagnostic? Warning) Choose(SandboxOptions options)
    {
        if (options.Mode == SandboxMode.Off)
        {
            return (new CommandContainment(false, null, "no sandbox (LlmcSandbox=off)"),
                null, DiagnosticCatalog.Create(DiagnosticCodes.RunningUnsandboxed,
                    "verify and acceptance commands run without a sandbox (LlmcSandbox/--sandbox is 'off'): code the model wrote runs with your privileges; changes to your checkout, git state and git configuration are detected and undone after each command, but not prevented. See docs/security.md."));
        }
        var availability = Bubblewrap.Probe();
        if (availability.Available) return (new CommandContainment(true, availability.Executable, availability.Description), null, null);
        if (options.Mode == SandboxMode.Required)
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.SandboxUnavailable,
                $"a sandbox is required (LlmcSandbox/--sandbox is 'required') but none is available: {availability.Description}. Nothing was run."), null);
        }
        return (new CommandContainment(false, null, "no sandbox (" + availability.Description + ")"), null,
            DiagnosticCatalog.Create(DiagnosticCodes.RunningUnsandboxed,
                $"no sandbox is available ({availability.Description}); verify and acceptance commands run code the model wrote with your privileges. Changes to your checkout, git state and git configuration are detected and undone after each command, but not prevented. Install bubblewrap, or set LlmcSandbox/--sandbox to 'required' to refuse. See docs/security.md."));
    }
}
