using System.ClientModel.Primitives;

namespace LlmCompiler.Llm;

/// <summary>A response body larger than the limit, detected while it was being read.</summary>
internal sealed class ResponseTooLargeException(long limit) : Exception($"the response body is larger than {limit:N0} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// The SDK's HTTP transport with the response size enforced while the body is read. The SDK buffers every response
/// whole before it looks at it, so without this a 1 GiB body would sit in memory (several GB, then an
/// OutOfMemoryException) before the 10 MiB check. The exception is deliberately not an <see cref="IOException"/>:
/// the retry policy must not ask again for the same oversized answer.
/// </summary>
internal static class BoundedHttpTransport
{
    public static readonly PipelineTransport Shared = new HttpClientPipelineTransport(
        new HttpClient(new LimitingHandler(OpenAiChatTransport.MaxResponseBytes) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } })
        {
            // The pipeline's NetworkTimeout and the call deadline bound each call; HttpClient's own 100 s must not cut in first.
            Timeout = Timeout.InfiniteTimeSpan,
        });

    private sealed class LimitingHandler(long maxBytes) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
            {
                response.Dispose();
                throw new ResponseTooLargeException(maxBytes);
            }
            var original = response.Content;
            var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var bounded = new StreamContent(new LimitedStream(stream, maxBytes));
            foreach (var header in original.Headers) bounded.Headers.TryAddWithoutValidation(header.Key, header.Value);
            response.Content = bounded;
            return response;
        }
    }

    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > limit) throw new ResponseTooLargeException(limit);
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
