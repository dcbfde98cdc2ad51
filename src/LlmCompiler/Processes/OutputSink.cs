using System.Text;
using LlmCompiler.Secrets;

namespace LlmCompiler.Processes;

/// <summary>
/// Pumps one child stream to an optional file while keeping a bounded tail (or, for git output, the whole stream up
/// to a limit) in memory. Memory and disk stay bounded whatever the child prints: the file keeps the first and the
/// last <see cref="ProcessSpec.MaxStoredBytes"/>/2 bytes and says how much was dropped in between. When a redactor
/// is given, secrets are masked before anything reaches the file or the tail, line by line.
/// </summary>
internal sealed class OutputSink : IDisposable
{
    // A secret is far shorter than this; a chunk cut inside a line keeps this much back so no secret is split.
    private const int RedactionCarry = 1024;
    private const int ChunkBytes = 256 * 1024;
    private const int MaxHeldBytes = 4 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly FileStream? _file;
    private readonly int _tailBytes;
    private readonly int? _keepAllUpTo;
    private readonly SecretRedactor? _redactor;
    private readonly long _headLimit;
    private readonly int _storedTailCapacity;
    private RingBuffer? _storedTail;
    private readonly RingBuffer _tail;
    private readonly MemoryStream _all = new();
    private readonly MemoryStream _line = new();
    private long _stored;
    private long _dropped;
    private bool _overflowed;
    private bool _disposed;

    public OutputSink(string? path, int tailBytes, int? keepAllUpTo, long maxStoredBytes = ProcessSpec.DefaultMaxStoredBytes, SecretRedactor? redactor = null)
    {
        _tailBytes = Math.Max(1, tailBytes);
        _tail = new RingBuffer(_tailBytes);
        _keepAllUpTo = keepAllUpTo;
        _redactor = redactor;
        _headLimit = Math.Max(1, maxStoredBytes / 2);
        _storedTailCapacity = (int)Math.Min(int.MaxValue, Math.Max(1, maxStoredBytes - _headLimit));
        if (path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            // CreateNew: the run folder is fresh, so an existing entry (a planted link) is refused rather than followed.
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }
    }

    /// <summary>Bytes the stored file left out (between its head and its tail).</summary>
    public long DroppedBytes { get { lock (_gate) return _dropped; } }

    public async Task PumpAsync(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0) Append(buffer.AsSpan(0, read));
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe was torn down under us (process killed, streams disposed after a drain timeout).
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_disposed) return;
            if (_keepAllUpTo is { } limit && !_overflowed)
            {
                if (_all.Length + data.Length <= limit) _all.Write(data);
                else _overflowed = true;
            }
            if (_redactor is null)
            {
                Emit(data);
                return;
            }
            _line.Write(data);
            if (_line.Length >= ChunkBytes) FlushChunk(final: false);
        }
    }

    /// <summary>
    /// Redacts buffered output in large chunks cut at a line end (one regex pass per chunk, not per line: a command
    /// printing a billion short lines must not cost a billion passes). A chunk with no line end at all is cut with
    /// <see cref="RedactionCarry"/> bytes kept back, so a secret is never split between two passes.
    /// </summary>
    private void FlushChunk(bool final)
    {
        var buffer = _line.GetBuffer();
        var length = (int)_line.Length;
        var cut = final ? length : Array.LastIndexOf(buffer, (byte)'\n', length - 1, length) + 1;
        if (cut <= 0) cut = Math.Max(0, length - RedactionCarry);
        // A private-key block spans lines: never cut inside one (up to a bound), or its second half would pass unmasked.
        if (!final && length < MaxHeldBytes && OpenKeyBlockStart(buffer, cut) is { } open) cut = open;
        if (cut == 0) return;
        var redacted = _redactor!.Redact(Encoding.UTF8.GetString(buffer, 0, cut));
        Emit(Encoding.UTF8.GetBytes(redacted));
        var rest = buffer.AsSpan(cut, length - cut).ToArray();
        _line.SetLength(0);
        _line.Write(rest);
    }

    private static readonly byte[] KeyBlockBegin = Encoding.ASCII.GetBytes("-----BEGIN ");
    private static readonly byte[] KeyBlockEnd = Encoding.ASCII.GetBytes("-----END ");

    /// <summary>Where the last "-----BEGIN " without a later "-----END " starts in the first <paramref name="length"/> bytes, or null.</summary>
    private static int? OpenKeyBlockStart(byte[] buffer, int length)
    {
        var span = buffer.AsSpan(0, length);
        var begin = span.LastIndexOf(KeyBlockBegin);
        if (begin < 0) return null;
        return span[begin..].IndexOf(KeyBlockEnd) < 0 ? begin : null;
    }

    private void Emit(ReadOnlySpan<byte> data)
    {
        _tail.Write(data);
        if (_file is null || !_file.CanWrite) return;
        var head = (int)Math.Min(data.Length, Math.Max(0, _headLimit - _stored));
        if (head > 0)
        {
            _file.Write(data[..head]);
            _stored += head;
        }
        if (head < data.Length)
        {
            var rest = data[head..];
            // Allocated only for output that outgrows the head: most commands never need it.
            _storedTail ??= new RingBuffer(_storedTailCapacity);
            _dropped += Math.Max(0, _storedTail.Count + rest.Length - _storedTail.Capacity);
            _storedTail.Write(rest);
        }
    }

    public string TailText
    {
        get { lock (_gate) return Encoding.UTF8.GetString(_tail.ToArray()) + PendingText(); }
    }

    private string PendingText() =>
        _line.Length == 0 ? "" : _redactor?.Redact(Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length)) ?? "";

    public byte[]? AllBytes
    {
        get { lock (_gate) return _keepAllUpTo is null || _overflowed ? null : _all.ToArray(); }
    }

    public bool Overflowed
    {
        get { lock (_gate) return _overflowed; }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            if (_line.Length > 0 && _redactor is not null) FlushChunk(final: true);
            _disposed = true;
            if (_file is null) return;
            try
            {
                if (_storedTail is { Count: > 0 })
                {
                    if (_dropped > 0) _file.Write(Encoding.UTF8.GetBytes($"\n[llmc: {_dropped:N0} bytes of output omitted here; the first and last {_headLimit:N0} bytes are kept]\n"));
                    _file.Write(_storedTail.ToArray());
                }
                _file.Flush();
            }
            catch (IOException)
            {
                // Disk full while storing output: the in-memory tail still carries the failure to the brief.
            }
            finally
            {
                _file.Dispose();
            }
        }
    }

    /// <summary>Keeps the last <see cref="Capacity"/> bytes written.</summary>
    private sealed class RingBuffer(int capacity)
    {
        private readonly byte[] _bytes = new byte[Math.Max(1, capacity)];
        private int _start;

        public int Capacity => _bytes.Length;
        public int Count { get; private set; }

        public void Write(ReadOnlySpan<byte> data)
        {
            if (data.Length >= _bytes.Length)
            {
                data[^_bytes.Length..].CopyTo(_bytes);
                _start = 0;
                Count = _bytes.Length;
                return;
            }
            foreach (var b in data)
            {
                _bytes[(_start + Count) % _bytes.Length] = b;
                if (Count < _bytes.Length) Count++;
                else _start = (_start + 1) % _bytes.Length;
            }
        }

        public byte[] ToArray()
        {
            var result = new byte[Count];
            for (var i = 0; i < Count; i++) result[i] = _bytes[(_start + i) % _bytes.Length];
            return result;
        }
    }
}
