using LlmCompiler.Cli;

namespace LlmCompiler.Tests.Infrastructure;

/// <summary>
/// Runs <c>llmc</c> in the test's own process (its output captured), and makes the environment variables that hold a
/// test's fake key: what most CLI-level tests need when the child process of <see cref="LlmcProcess"/> shows nothing more.
/// </summary>
internal static class InProcessLlmc
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The name of a new variable, unique to this call, holding a canary key (so a leak of it is findable).</summary>
    public static string CanaryKey(string prefix)
    {
        var name = prefix + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(name, "sk-CANARY-" + Guid.NewGuid().ToString("N"));
        return name;
    }
}
