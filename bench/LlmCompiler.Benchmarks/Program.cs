using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(LlmCompiler.Benchmarks.ValidationBenchmarks).Assembly).Run(args);
