using System.Diagnostics;
using System.Text;
using LlmCompiler.Cli;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// Shared plumbing of the containment tests: <c>llmc</c> in-process behind a hang guard, <c>llmc</c> as a child
/// process, FIFOs, and the common assertions (no stack trace, nothing written outside).
/// </summary>
internal static class ContainmentHarness
{
    /// <summary>Every call that could hang is bounded by this, so a regression fails instead of hanging CI.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <c>llmc</c> in-process on a thread-pool thread (a synchronous read of a FIFO would otherwise block the
    /// caller before any task exists) and gives up after <see cref="HangGuard"/>. When it gives up and
    /// <paramref name="fifoToRelease"/> is set, a writer opens the FIFO so the blocked reader can end.
    /// </summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> LlmcAsync(string[] args, string? fifoToRelease = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var run = Task.Run(() => CliApp.RunAsync(args, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr)));
        try
        {
            var exit = await run.WaitAsync(HangGuard);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        catch (TimeoutException)
        {
            if (fifoToRelease is not null) ReleaseFifo(fifoToRelease);
            throw new AssertFailedException($"llmc {string.Join(' ', args)} did not finish within {HangGuard.TotalSeconds:0} s (hang). stderr so far: {stderr}");
        }
    }

    /// <summary>Opens the FIFO for writing once, in the background, so a reader blocked in open() or read() returns.</summary>
    public static void ReleaseFifo(string fifo) =>
        _ = Task.Run(() =>
        {
            try
            {
                using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        });

    public static string[] Common(TestRepo repo, LoopbackLlmServer server, string keyVariable, params string[] more) =>
        ["--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", keyVariable, "--model", "loopback", .. more];

    /// <summary>A fresh API-key variable holding a canary value.</summary>
    public static string NewKey(out string value)
    {
        var name = "LLMC_CONTAIN_KEY_" + Guid.NewGuid().ToString("N")[..8];
        value = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, value);
        return name;
    }

    public static void MakeFifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        TestRepo.Run(Path.GetDirectoryName(path)!, "mkfifo", path);
    }

    /// <summary>An unhandled exception printed by the command-line layer shows its frames as "   at ".</summary>
    public static void AssertNoStackTrace(string text, string context)
    {
        Assert.DoesNotContain("   at ", text, $"{context}: a stack trace was printed:\n{text}");
        Assert.DoesNotContain("Unhandled exception", text, $"{context}: an unhandled exception was printed:\n{text}");
    }

    /// <summary>The canonical one-line diagnostic with <paramref name="code"/>, or null.</summary>
    public static string? LineWith(string text, string code) =>
        text.Split('\n').FirstOrDefault(l => l.Contains($" {code}:", StringComparison.Ordinal) || l.Contains($"{code}:", StringComparison.Ordinal));

    /// <summary>The active-run markers of the repository's git common dir.</summary>
    public static string ActiveDir(TestRepo repo) => repo.PathOf(".git/llmc/active");

    public static string FactoryRuns(TestRepo repo) => repo.PathOf(".llmc/runs/factory");

    /// <summary>Every file below <c>.llmc</c> (not through links), read as text.</summary>
    public static IEnumerable<(string Path, string Text)> ToolFiles(TestRepo repo)
    {
        var root = repo.PathOf(".llmc");
        if (!Directory.Exists(root)) yield break;
        foreach (var file in TestRepo.Walk(root).Where(f => new FileInfo(f).LinkTarget is null && File.Exists(f) && LlmCompiler.IO.FileKinds.Of(f) == LlmCompiler.IO.FileKind.Regular))
        {
            yield return (file, File.ReadAllText(file));
        }
    }

    /// <summary>
    /// The CLI as shipped (its own net8.0 build output), run as a child process: <paramref name="prefix"/> is put in
    /// front of <c>dotnet llmc.dll</c> (e.g. a bubblewrap wrapper). Killed with its tree after <see cref="HangGuard"/>.
    /// </summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> LlmcChildAsync(string workingDirectory, IReadOnlyList<string> prefix, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        var llmc = LlmcProcess.Dll;
        var argv = prefix.Concat(["dotnet", llmc]).Concat(args).ToList();
        var psi = new ProcessStartInfo(argv[0]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        var cache = Environment.GetEnvironmentVariable(LlmCompiler.IO.RepositoryLayout.CacheVariable);
        if (cache is not null) psi.Environment[LlmCompiler.IO.RepositoryLayout.CacheVariable] = cache;
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new AssertFailedException($"the llmc child process did not finish within {HangGuard.TotalSeconds:0} s (hang). stderr so far: {stderr}");
        }
        process.WaitForExit();
        lock (stdout) lock (stderr) return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
