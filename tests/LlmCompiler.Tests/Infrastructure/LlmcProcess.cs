using System.Diagnostics;

namespace LlmCompiler.Tests.Infrastructure;

/// <summary>The result of <c>llmc</c> run as a child process.</summary>
internal sealed record LlmcResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the built <c>llmc</c> in its own process: for what an in-process run cannot show — the current directory it
/// was started from, its own environment (HOME, credentials) and signals.
/// </summary>
internal static class LlmcProcess
{
    private static readonly Lazy<string> s_dll = new(FindDll);

    /// <summary>
    /// The CLI as shipped (its own net8.0 output with its dependencies), not the copy in the test folder, whose
    /// deps.json points at package assemblies the net10.0 test output does not carry.
    /// </summary>
    public static string Dll => s_dll.Value;

    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        // A test host started in the background (`.ci/run &`, some CI agents) ignores SIGINT, and an ignored signal
        // stays ignored in children: .NET then never sees Ctrl+C. env(1) restores the default disposition first.
        var psi = new ProcessStartInfo("/usr/bin/env")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--default-signal=INT,QUIT");
        psi.ArgumentList.Add(ChildProcess.DotnetHost());
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(name);
        }
        foreach (var (k, v) in environment)
        {
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        }
        var process = Process.Start(psi)!;
        process.StandardInput.Close();
        return process;
    }

    public static async Task<LlmcResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        return await CollectAsync(process, TimeSpan.FromMinutes(4));
    }

    public static async Task<LlmcResult> CollectAsync(Process process, TimeSpan timeout)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"llmc did not finish within {timeout}: {await stderr}");
        }
        return new LlmcResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = SourceTree.PathOf("src", "LlmCompiler.Cli", "bin", configuration, "net8.0", "llmc.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first: {dll} is missing");
    }
}
