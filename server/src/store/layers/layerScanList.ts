// Every layer scan, registered by import: the worker thread's entry imports this list, so each scan a caller
// names runs there too.
import './ledgerScan';
import './jsonLayerScan';
import './traceScan';
