using System.Diagnostics;
using System.Text;

namespace LlmCompiler.Build.Tasks;

/// <summary>The outcome of one <c>git</c> invocation.</summary>
internal sealed record GitOutput(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Success => ExitCode == 0;
}

/// <summary>
/// Runs read-only <c>git</c> queries for the tasks: argv without a shell, stdin closed, no prompts, MSBuild's
/// variables scrubbed, one deadline for exit and output drain, and the whole process tree killed on timeout
/// or cancellation. (The engine's own process runner is for factory commands; this stays small on purpose.)
/// </summary>
internal static class GitCommand
{
    private static readonly string[] ScrubbedVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILDENSURESTDOUTFORTASKPROCESSES",
        "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILD_EXE_PATH", "MSBUILDNOINPROCNODE",
    ];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Output beyond this is a repository we should not be listing in a build anyway.</summary>
    private const int MaxOutputChars = 64 * 1024 * 1024;

    public static GitOutput Run(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        Run("git", workingDirectory, arguments, cancellationToken, timeout);

    /// <summary>As <see cref="Run(string, IReadOnlyList{string}, CancellationToken, TimeSpan?)"/>, with the executable named (tests).</summary>
    internal static GitOutput Run(string executable, string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout)
    {
        var psi = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        foreach (var name in ScrubbedVariables) psi.Environment.Remove(name);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        psi.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new GitOutput(-1, "", $"git could not be started: {ex.Message}");
        }
        process.StandardInput.Close();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        var stdout = ReadCappedAsync(process.StandardOutput, deadline.Token);
        var stderr = ReadCappedAsync(process.StandardError, deadline.Token);
        try
        {
            process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
            System.Threading.Tasks.Task.WhenAll(stdout, stderr).Wait(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            cancellationToken.ThrowIfCancellationRequested();
            return new GitOutput(-1, "", $"{executable} {string.Join(' ', arguments)} timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0}s");
        }
        return new GitOutput(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static async Task<string> ReadCappedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder();
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (builder.Length + read > MaxOutputChars) throw new InvalidDataException($"git printed more than {MaxOutputChars} characters");
            builder.Append(buffer, 0, read);
        }
        return builder.ToString();
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }
}
