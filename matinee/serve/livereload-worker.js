var ports = [], last = null, source = null;
onconnect = function (event) {
  var port = event.ports[0];
  ports.push(port);
  port.onmessage = function (message) {
    var at = ports.indexOf(port);
    if (message.data === "bye" && at >= 0) ports.splice(at, 1);
  };
  if (last) port.postMessage(Object.assign({replay: true}, last));
  if (!source) {
    source = new EventSource("EVENTS_URL");
    source.onmessage = function (message) {
      last = JSON.parse(message.data);
      ports.forEach(function (each) { each.postMessage(last); });
    };
  }
};
