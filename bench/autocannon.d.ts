declare module 'autocannon' {
  interface Histogram { average: number; mean: number; p50: number; p99: number; p2_5?: number; max: number; total?: number }
  interface Result { requests: Histogram; latency: Histogram; throughput: Histogram; errors: number; timeouts: number; non2xx: number; '2xx': number; duration: number }
  interface Options { url: string; connections?: number; duration?: number; amount?: number; method?: string; headers?: Record<string, string>; body?: string; pipelining?: number; timeout?: number }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
