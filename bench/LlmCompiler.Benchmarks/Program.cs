using BenchmarkDotNet.Running;
using LlmCompiler.Benchmarks;

if (args.Length > 0 && args[0] == "sandbox-overhead") return SandboxOverhead.Run(args);
if (args.Length > 0 && args[0] == "validation-breakdown") return ValidationBreakdown.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(ValidationBenchmarks).Assembly).Run(args);
return 0;
