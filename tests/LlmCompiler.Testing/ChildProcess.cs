using System.Diagnostics;
using System.Text;

namespace LlmCompiler.Testing;

public sealed record ChildResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>Runs git and dotnet for the tests: argv only, merged output, a hard timeout that kills the tree.</summary>
public static class ChildProcess
{
    private static readonly string[] InheritedMSBuildVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILDENSURESTDOUTFORTASKPROCESSES",
        "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILD_EXE_PATH", "MSBUILDNOINPROCNODE", "VSTEST_HOST_DEBUG",
    ];

    // The package turns replay on under CI (CI, TF_BUILD, GITHUB_ACTIONS): a test of the defaults a developer sees
    // must not inherit the CI machine's; a test of the CI default sets the variable itself.
    private static readonly string[] CiMarkers = ["CI", "TF_BUILD", "GITHUB_ACTIONS"];

    public static ChildResult Run(string fileName, string workingDirectory, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var name in InheritedMSBuildVariables) psi.Environment.Remove(name);
        foreach (var name in CiMarkers) psi.Environment.Remove(name);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "LlmCompiler Tests";
        psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "tests@llmcompiler.invalid";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
            }
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} timed out\n{output}");
        }
        process.WaitForExit();
        lock (gate) return new ChildResult(process.ExitCode, output.ToString());
    }

    public static ChildResult Git(string repo, params string[] arguments) => Run("git", repo, arguments);

    public static void GitOk(string repo, params string[] arguments)
    {
        var result = Git(repo, arguments);
        if (result.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {result}");
    }

    public static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
