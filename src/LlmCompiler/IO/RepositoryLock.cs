using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.IO;

/// <summary>Who holds (or last held) the repository lock.</summary>
public sealed record LockHolder(int Pid, DateTimeOffset ProcessStart, DateTimeOffset Acquired, string RunId)
{
    public override string ToString() => $"pid {Pid} (started {ProcessStart:u}, run {RunId}, since {Acquired:u})";
}

/// <summary>
/// One factory run per repository. The lock is an OS file lock (flock on Unix, share-none on Windows) on a
/// file in the git common dir, so the kernel releases it when the holder dies, even after kill -9. A holder
/// record beside it names the holder for the E202 diagnostic and tells a successor it took over a dead run.
/// </summary>
public sealed class RepositoryLock : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _holderPath;

    private RepositoryLock(FileStream stream, string holderPath, LockHolder? previous)
    {
        _stream = stream;
        _holderPath = holderPath;
        TakenOverFrom = previous;
    }

    /// <summary>The holder record left by a run that died holding the lock, if any.</summary>
    public LockHolder? TakenOverFrom { get; }

    public static (RepositoryLock? Lock, Diagnostic? Error) TryAcquire(string lockPath, string runId)
    {
        var holderPath = lockPath + ".holder.json";
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = ReadHolder(holderPath);
            var who = holder is null ? "another llmc process" : holder.ToString();
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.LockHeld,
                $"another factory run holds the repository lock: {who}. Wait for it to finish; the lock is released automatically if that process dies."));
        }
        catch (UnauthorizedAccessException ex)
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.RepositoryNotUsable, $"cannot create the repository lock '{lockPath}': {ex.Message}"));
        }

        var previous = ReadHolder(holderPath);
        // A holder record that survives means its owner did not release normally (crash or kill -9).
        var takenOver = previous is not null && !IsAlive(previous) ? previous : null;
        using var self = Process.GetCurrentProcess();
        var record = new LockHolder(Environment.ProcessId, new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero), DateTimeOffset.UtcNow, runId);
        AtomicFile.WriteAllText(holderPath, JsonSerializer.Serialize(new JsonObject
        {
            ["pid"] = record.Pid,
            ["process_start"] = record.ProcessStart.ToString("O"),
            ["acquired"] = record.Acquired.ToString("O"),
            ["run_id"] = record.RunId,
        }));
        return (new RepositoryLock(stream, holderPath, takenOver), null);
    }

    /// <summary>
    /// A node of a fanned-out run (one MSBuild node per work order) does not take the lock: the run's coordinator
    /// holds it for all of them. The node only proves that: the holder is alive and names <paramref name="runId"/>.
    /// Anything else — no holder, a dead one, another run — is E202, so a node never runs outside its run.
    /// </summary>
    public static Diagnostic? VerifyHeldBy(string lockPath, string runId)
    {
        var holder = ReadHolder(lockPath + ".holder.json");
        if (holder is not null && holder.RunId == runId && IsAlive(holder)) return null;
        var who = holder is null ? "nobody holds it" : IsAlive(holder) ? $"it is held by {holder}" : $"its last holder died ({holder})";
        return DiagnosticCatalog.Create(DiagnosticCodes.LockHeld,
            $"this work order is a node of run {runId}, but that run does not hold the repository lock ({who}); a node runs only while its run's coordinator (the Factory target) holds the lock");
    }

    public static LockHolder? ReadHolder(string holderPath)
    {
        try
        {
            if (!File.Exists(holderPath)) return null;
            if (JsonNode.Parse(File.ReadAllText(holderPath)) is not JsonObject o) return null;
            return new LockHolder(
                o["pid"]?.GetValue<int>() ?? 0,
                DateTimeOffset.TryParse(o["process_start"]?.GetValue<string>(), out var s) ? s : default,
                DateTimeOffset.TryParse(o["acquired"]?.GetValue<string>(), out var a) ? a : default,
                o["run_id"]?.GetValue<string>() ?? "");
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidOperationException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Alive means the pid exists and started when the record says (pid reuse is not the same holder).</summary>
    public static bool IsAlive(LockHolder holder)
    {
        try
        {
            using var p = Process.GetProcessById(holder.Pid);
            var start = new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
            return !p.HasExited && (holder.ProcessStart == default || Math.Abs((start - holder.ProcessStart).TotalSeconds) < 2);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try { File.Delete(_holderPath); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        _stream.Dispose();
    }
}
